using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;


namespace Moat.Compat.Tests.Images;

/// <summary>Builds image archives in code: `docker save` before 25 (legacy), 25+ (OCI-based), and plain OCI layouts.</summary>
public static class ImageArchiveBuilder
{
    public sealed record Image(byte[] Config, IReadOnlyList<byte[]> Layers, IReadOnlyList<string> Tags)
    {
        public string Id => Digest(Config);
    }

    public static string Digest(byte[] data) => "sha256:" + Convert.ToHexStringLower(SHA256.HashData(data));

    public static Image Create(IReadOnlyList<byte[]> layers, string[] tags, string cmd = "sh", Dictionary<string, string>? labels = null, string created = "2020-01-02T03:04:05Z")
    {
        var labelNode = new JsonObject();
        foreach (var (k, v) in labels ?? []) labelNode[k] = v;
        var config = new JsonObject
        {
            ["architecture"] = "amd64",
            ["os"] = "linux",
            ["created"] = created,
            ["config"] = new JsonObject { ["Cmd"] = new JsonArray(cmd), ["Labels"] = labelNode },
            ["rootfs"] = new JsonObject { ["type"] = "layers", ["diff_ids"] = new JsonArray([.. layers.Select(l => (JsonNode)Digest(l))]) },
            ["history"] = new JsonArray([.. layers.Select((_, i) => (JsonNode)new JsonObject { ["created"] = created, ["created_by"] = $"layer {i}" })]),
        };
        return new Image(Encoding.UTF8.GetBytes(config.ToJsonString()), layers, tags);
    }

    /// <summary>The layout of docker save before 25: &lt;v1id&gt;/layer.tar (a symlink when repeated), &lt;id&gt;.json, manifest.json, repositories.</summary>
    public static byte[] Legacy(params Image[] images)
    {
        var tar = new TarBuilder();
        var seen = new Dictionary<string, string>();
        var manifest = new JsonArray();
        foreach (var image in images)
        {
            var layerPaths = new JsonArray();
            string parent = "";
            foreach (var layer in image.Layers)
            {
                string v1 = Digest(Encoding.UTF8.GetBytes(parent + Digest(layer) + image.Id))[7..];
                tar.Dir(v1 + "/");
                tar.File(v1 + "/VERSION", "1.0");
                tar.File(v1 + "/json", $"{{\"id\":\"{v1}\"}}");
                if (seen.TryGetValue(Digest(layer), out var first)) tar.Symlink(v1 + "/layer.tar", "../" + first + "/layer.tar");
                else { tar.File(v1 + "/layer.tar", layer); seen[Digest(layer)] = v1; }
                layerPaths.Add(v1 + "/layer.tar");
                parent = v1;
            }
            tar.File(image.Id[7..] + ".json", image.Config);
            manifest.Add(new JsonObject { ["Config"] = image.Id[7..] + ".json", ["RepoTags"] = new JsonArray([.. image.Tags.Select(t => (JsonNode)t)]), ["Layers"] = layerPaths });
        }
        tar.File("manifest.json", manifest.ToJsonString());
        tar.File("repositories", "{}");
        return tar.Build();
    }

    /// <summary>The layout of docker save 25+: blobs/sha256 + index.json + manifest.json + oci-layout.</summary>
    public static byte[] Modern(bool gzipLayers, params Image[] images) => Oci(gzipLayers, withManifestJson: true, images);

    /// <summary>A plain OCI image layout (no manifest.json), names in io.containerd.image.name annotations.</summary>
    public static byte[] OciLayout(bool gzipLayers, params Image[] images) => Oci(gzipLayers, withManifestJson: false, images);

    private static byte[] Oci(bool gzipLayers, bool withManifestJson, Image[] images)
    {
        var tar = new TarBuilder().Dir("blobs/").Dir("blobs/sha256/");
        var written = new HashSet<string>();
        var index = new JsonArray();
        var manifestJson = new JsonArray();
        void Blob(byte[] data)
        {
            if (written.Add(Digest(data))) tar.File("blobs/sha256/" + Digest(data)[7..], data);
        }
        foreach (var image in images)
        {
            Blob(image.Config);
            var layers = new JsonArray();
            var paths = new JsonArray();
            foreach (var layer in image.Layers)
            {
                byte[] blob = gzipLayers ? TarBuilder.Gzip(layer) : layer;
                Blob(blob);
                layers.Add(new JsonObject { ["mediaType"] = gzipLayers ? "application/vnd.oci.image.layer.v1.tar+gzip" : "application/vnd.oci.image.layer.v1.tar", ["digest"] = Digest(blob), ["size"] = blob.Length });
                paths.Add("blobs/sha256/" + Digest(blob)[7..]);
            }
            byte[] manifest = Encoding.UTF8.GetBytes(new JsonObject
            {
                ["schemaVersion"] = 2,
                ["mediaType"] = "application/vnd.oci.image.manifest.v1+json",
                ["config"] = new JsonObject { ["mediaType"] = "application/vnd.oci.image.config.v1+json", ["digest"] = image.Id, ["size"] = image.Config.Length },
                ["layers"] = layers,
            }.ToJsonString());
            Blob(manifest);
            foreach (var t in image.Tags.DefaultIfEmpty(null))
            {
                var d = new JsonObject { ["mediaType"] = "application/vnd.oci.image.manifest.v1+json", ["digest"] = Digest(manifest), ["size"] = manifest.Length };
                if (t is not null)
                {
                    string full = t.Contains('/') ? "docker.io/" + t : "docker.io/library/" + t;
                    d["annotations"] = new JsonObject { ["io.containerd.image.name"] = full, ["org.opencontainers.image.ref.name"] = t.Split(':')[^1] };
                }
                index.Add(d);
            }
            manifestJson.Add(new JsonObject { ["Config"] = "blobs/sha256/" + image.Id[7..], ["RepoTags"] = new JsonArray([.. image.Tags.Select(t => (JsonNode)t)]), ["Layers"] = paths });
        }
        tar.File("index.json", new JsonObject { ["schemaVersion"] = 2, ["mediaType"] = "application/vnd.oci.image.index.v1+json", ["manifests"] = index }.ToJsonString());
        if (withManifestJson) tar.File("manifest.json", manifestJson.ToJsonString());
        tar.File("oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}");
        return tar.Build();
    }

    /// <summary>Two layers: the upper deletes a file, makes a directory opaque and replaces a file of the lower.</summary>
    public static (byte[] Lower, byte[] Upper) WhiteoutLayers() =>
    (
        new TarBuilder().Dir("a").File("a/keep", "k").File("a/gone", "g").Dir("dir").File("dir/old", "o").File("replace", "old").Build(),
        new TarBuilder().Dir("a").File("a/.wh.gone", "").Dir("dir").File("dir/.wh..wh..opq", "").File("dir/new", "n").File("replace", "new").Build()
    );
}
