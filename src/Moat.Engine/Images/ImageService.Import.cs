using System.Runtime.InteropServices;
using System.Text.Json;
using Moat.Api.Contracts.Images;
using Moat.Engine.Errors;
using Moat.Engine.Images.Formats;

namespace Moat.Engine.Images;

/// <summary>POST /images/create?fromSrc=- (docker import) and ?fromImage= (pull, refused: no registry access).</summary>
public sealed partial class ImageService
{
    /// <summary>The ":tag" or "@digest" reference of repo + tag, as dockerd's RepoTagReference; null when repo is empty.</summary>
    public static ImageReference? RepoTagReference(string? repo, string? tag)
    {
        if (string.IsNullOrEmpty(repo)) return null;
        var named = ImageReference.ParseNormalized(repo);
        if (named.Digest is not null) throw new InvalidReferenceException("cannot import digest reference");
        if (!string.IsNullOrEmpty(tag))
        {
            if (!ImageReference.IsValidTag(tag)) throw new InvalidReferenceException("invalid tag format");
            return named with { Tag = tag };
        }
        return named.WithDefaultTag();
    }

    public static string HostArchitecture => RuntimeInformation.OSArchitecture switch
    {
        Architecture.X64 => "amd64",
        Architecture.Arm64 => "arm64",
        Architecture.Arm => "arm",
        var a => a.ToString().ToLowerInvariant(),
    };

    /// <summary>
    /// docker import: one layer from a tar (plain or gzip), a new config with the changes applied. The config
    /// holds the current time, as dockerd's does, so two imports of one tar give two image IDs sharing one layer.
    /// </summary>
    public async Task<string> ImportAsync(Stream tar, string? repo, string? tag, string? message, IReadOnlyList<string> changes, string? platform, CancellationToken cancellationToken)
    {
        var reference = RepoTagReference(repo, tag);
        string arch = HostArchitecture, variant = "";
        if (!string.IsNullOrEmpty(platform))
        {
            var parts = platform.Split('/');
            if (parts.Length is < 1 or > 3 || parts[0] != "linux")
                throw new InvalidArgumentException($"\"{platform}\": unknown operating system or architecture: invalid argument");
            if (parts.Length > 1) arch = parts[1];
            if (parts.Length > 2) variant = parts[2];
        }
        var config = ImageChanges.Apply(new ImageConfig(), changes);
        string comment = string.IsNullOrEmpty(message) ? "Imported from -" : message;

        await _gate.WaitAsync(cancellationToken);
        try
        {
            string blobTemp = Blobs.NewTempPath();
            Storage.LayerInfo layer;
            try
            {
                await using (var tee = new FileStream(blobTemp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous))
                    layer = await Layers.CreateAsync(tar, null, tee, cancellationToken);
                Blobs.Commit(blobTemp, layer.DiffId);
            }
            finally
            {
                File.Delete(blobTemp);
            }

            string created = FormatTime(_time.GetUtcNow());
            var file = new ImageConfigFile
            {
                Architecture = arch,
                Variant = variant.Length > 0 ? variant : null,
                Os = "linux",
                Created = created,
                Comment = comment,
                Config = config,
                RootFs = new RootFsSection { DiffIds = [layer.DiffId] },
                History = [new HistoryEntry { Created = created, Comment = comment }],
            };
            var entry = StoreImage(JsonSerializer.SerializeToUtf8Bytes(file, ImageFormatsJson.Context.ImageConfigFile), null);
            Publish("import", entry.Id, entry.Id, entry);
            if (reference is not null)
            {
                SetReference(reference, entry);
                Publish("tag", entry.Id, reference.FamiliarString, entry);
            }
            return entry.Id;
        }
        catch
        {
            CollectGarbage(_snapshot);
            throw;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Stores config and manifest blobs for an image whose layers are all in the store, then its record (lock held).</summary>
    private ImageEntry StoreImage(byte[] configBytes, string? parent)
    {
        string id = Blobs.Put(configBytes);
        if (_snapshot.Images.TryGetValue(id, out var existing)) return existing;
        var config = ParseConfig(configBytes);
        var manifest = new OciManifest
        {
            Config = new OciDescriptor { MediaType = MediaTypes.OciConfig, Digest = id, Size = configBytes.Length },
            Layers = [.. (config.RootFs?.DiffIds ?? []).Select(d => new OciDescriptor
            {
                MediaType = MediaTypes.OciLayer,
                Digest = d,
                Size = Layers.Get(d)?.TarSize ?? throw new InvalidOperationException($"layer {d} missing"),
            })],
        };
        string manifestDigest = Blobs.Put(JsonSerializer.SerializeToUtf8Bytes(manifest, ImageFormatsJson.Context.OciManifest));
        var entry = BuildEntry(id, configBytes, manifestDigest, null, parent) ?? throw new InvalidOperationException("layers vanished");
        CommitImage(entry);
        return entry;
    }

    /// <summary>docker pull: validated like dockerd, then refused: moatd never contacts a registry.</summary>
    public static void Pull(string fromImage, string? tag)
    {
        var reference = ImageReference.ParseNormalized(fromImage);
        if (!string.IsNullOrEmpty(tag))
        {
            if (tag.StartsWith("sha256:", StringComparison.Ordinal)) reference = ImageReference.ParseNormalized(reference.Name + "@" + tag);
            else if (!ImageReference.IsValidTag(tag)) throw new InvalidReferenceException("invalid tag format");
        }
        string host = reference.Domain == ImageReference.DefaultDomain ? "registry-1.docker.io" : reference.Domain;
        throw new RegistryUnavailableException(
            $"Get \"https://{host}/v2/\": registry access is disabled: moatd does not contact registries (add images with docker load or docker import)");
    }
}
