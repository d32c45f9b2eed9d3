using System.Text.Json.Serialization;
using Moat.Api.Contracts.Images;

namespace Moat.Engine.Images.Formats;

/// <summary>
/// The image configuration JSON (OCI image-spec config / Docker image JSON). Its sha256 is the image ID,
/// so the bytes are stored as received; this type is for reading it and for writing new ones (import).
/// </summary>
public sealed class ImageConfigFile
{
    [JsonPropertyName("architecture")] public string? Architecture { get; set; }
    [JsonPropertyName("author"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Author { get; set; }
    [JsonPropertyName("comment"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Comment { get; set; }
    [JsonPropertyName("config")] public ImageConfig? Config { get; set; }
    [JsonPropertyName("created"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Created { get; set; }
    [JsonPropertyName("docker_version"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? DockerVersion { get; set; }
    [JsonPropertyName("history")] public List<HistoryEntry>? History { get; set; }
    [JsonPropertyName("os")] public string? Os { get; set; }
    [JsonPropertyName("os.version"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? OsVersion { get; set; }
    [JsonPropertyName("parent"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Parent { get; set; }
    [JsonPropertyName("rootfs")] public RootFsSection? RootFs { get; set; }
    [JsonPropertyName("variant"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Variant { get; set; }
}

public sealed class RootFsSection
{
    [JsonPropertyName("type")] public string Type { get; set; } = "layers";
    [JsonPropertyName("diff_ids")] public List<string> DiffIds { get; set; } = [];
}

public sealed class HistoryEntry
{
    [JsonPropertyName("created"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Created { get; set; }
    [JsonPropertyName("created_by"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? CreatedBy { get; set; }
    [JsonPropertyName("author"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Author { get; set; }
    [JsonPropertyName("comment"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Comment { get; set; }
    [JsonPropertyName("empty_layer"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] public bool EmptyLayer { get; set; }
}

/// <summary>An OCI content descriptor.</summary>
public sealed class OciDescriptor
{
    [JsonPropertyName("mediaType")] public string MediaType { get; set; } = "";
    [JsonPropertyName("digest")] public string Digest { get; set; } = "";
    [JsonPropertyName("size")] public long Size { get; set; }
    [JsonPropertyName("annotations"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public Dictionary<string, string>? Annotations { get; set; }
    [JsonPropertyName("platform"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public OciPlatform? Platform { get; set; }
}

public sealed class OciPlatform
{
    [JsonPropertyName("architecture")] public string Architecture { get; set; } = "";
    [JsonPropertyName("os")] public string Os { get; set; } = "";
    [JsonPropertyName("variant"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Variant { get; set; }
}

/// <summary>An OCI image manifest or a Docker v2 schema 2 manifest (same shape).</summary>
public sealed class OciManifest
{
    [JsonPropertyName("schemaVersion")] public int SchemaVersion { get; set; } = 2;
    [JsonPropertyName("mediaType")] public string MediaType { get; set; } = MediaTypes.OciManifest;
    [JsonPropertyName("config")] public OciDescriptor Config { get; set; } = new();
    [JsonPropertyName("layers")] public List<OciDescriptor> Layers { get; set; } = [];
    [JsonPropertyName("annotations"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public Dictionary<string, string>? Annotations { get; set; }
}

/// <summary>An OCI image index (index.json of a layout) or a Docker manifest list.</summary>
public sealed class OciIndex
{
    [JsonPropertyName("schemaVersion")] public int SchemaVersion { get; set; } = 2;
    [JsonPropertyName("mediaType"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? MediaType { get; set; } = MediaTypes.OciIndex;
    [JsonPropertyName("manifests")] public List<OciDescriptor> Manifests { get; set; } = [];
}

/// <summary>The oci-layout file.</summary>
public sealed class OciLayoutFile
{
    [JsonPropertyName("imageLayoutVersion")] public string ImageLayoutVersion { get; set; } = "1.0.0";
}

/// <summary>One entry of manifest.json in a `docker save` archive.</summary>
public sealed class ArchiveManifestEntry
{
    public string Config { get; set; } = "";
    public List<string>? RepoTags { get; set; }
    public List<string> Layers { get; set; } = [];
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Parent { get; set; }
}

public static class MediaTypes
{
    public const string OciManifest = "application/vnd.oci.image.manifest.v1+json";
    public const string OciIndex = "application/vnd.oci.image.index.v1+json";
    public const string OciConfig = "application/vnd.oci.image.config.v1+json";
    public const string OciLayer = "application/vnd.oci.image.layer.v1.tar";
    public const string OciLayerGzip = "application/vnd.oci.image.layer.v1.tar+gzip";
    public const string OciLayerZstd = "application/vnd.oci.image.layer.v1.tar+zstd";
    public const string DockerManifest = "application/vnd.docker.distribution.manifest.v2+json";
    public const string DockerManifestList = "application/vnd.docker.distribution.manifest.list.v2+json";
    public const string DockerConfig = "application/vnd.docker.container.image.v1+json";
    public const string DockerLayer = "application/vnd.docker.image.rootfs.diff.tar";
    public const string DockerLayerGzip = "application/vnd.docker.image.rootfs.diff.tar.gzip";
    public const string DockerForeignLayerGzip = "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip";
}
