using System.Text.Json;
using Moat.Api.Contracts.Images;
using Moat.Engine.Images.Formats;
using Moat.Engine.Storage;
using Moat.Linux;

namespace Moat.Engine.Images;

/// <summary>docker load: `docker save` archives (the pre-25 layout and the OCI-based one) and OCI image layouts.</summary>
public sealed partial class ImageService
{
    /// <summary>Limits for a whole archive (it may hold many layers).</summary>
    public static readonly DecompressionLimits ArchiveLimits = new(256L << 30, 1024, 64L << 20);

    private sealed record LoadItem(byte[] Config, IReadOnlyList<string> LayerPaths, IReadOnlyList<ImageReference> Tags);

    /// <summary>
    /// Loads every image of the archive. Progress and results go to <paramref name="progress"/> as dockerd's
    /// JSON messages ("Loaded image: busybox:latest"). Nothing of an image is visible until all of it is stored.
    /// </summary>
    public async Task LoadAsync(Stream archive, bool quiet, Func<JsonMessage, Task> progress, CancellationToken cancellationToken)
    {
        string staging = Path.Combine(Blobs.TempDirectory, "load-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(staging);
        File.SetUnixFileMode(staging, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        try
        {
            // 1. Unpack the archive into a private staging directory with the same safe extractor as layers.
            try
            {
                await using var input = await Decompression.OpenAsync(archive, ArchiveLimits, cancellationToken);
                await new LayerExtractor(staging, WhiteoutFormat.Marker).ExtractAsync(new TarStreamReader(input), cancellationToken);
            }
            catch (InvalidLayerException e)
            {
                throw new InvalidArchiveException($"invalid archive: {e.Message}", e);
            }

            // 2. Find the images: manifest.json (docker save) wins over index.json (OCI layout), as in dockerd.
            var items = File.Exists(Path.Combine(staging, "manifest.json")) ? ReadDockerArchive(staging)
                : File.Exists(Path.Combine(staging, "index.json")) ? ReadOciLayout(staging)
                : throw new InvalidArchiveException("invalid archive: it has neither manifest.json nor index.json (the pre-1.10 format is not supported)");

            // 3. Store each image: layers, then config and manifest, then record, then tags.
            await _gate.WaitAsync(cancellationToken);
            try
            {
                foreach (var item in items) await LoadOneAsync(staging, item, quiet, progress, cancellationToken);
            }
            catch
            {
                CollectGarbage(_snapshot); // layers of an image that did not complete are nobody's
                throw;
            }
            finally
            {
                _gate.Release();
            }
        }
        finally
        {
            Directory.Delete(staging, recursive: true);
        }
    }

    private async Task LoadOneAsync(string staging, LoadItem item, bool quiet, Func<JsonMessage, Task> progress, CancellationToken cancellationToken)
    {
        var config = ParseConfig(item.Config);
        if (!string.IsNullOrEmpty(config.Os) && config.Os != "linux")
            throw new InvalidArchiveException($"image operating system \"{config.Os}\" cannot be used on this platform");
        var diffIds = config.RootFs?.DiffIds ?? [];
        if (diffIds.Count != item.LayerPaths.Count)
            throw new InvalidArchiveException($"invalid manifest, layers length mismatch: expected {diffIds.Count}, got {item.LayerPaths.Count}");

        for (int i = 0; i < diffIds.Count; i++)
        {
            if (Layers.Get(diffIds[i]) is not null && Blobs.Exists(diffIds[i])) continue;
            string file = Resolve(staging, item.LayerPaths[i]);
            long size = new FileInfo(file).Length;
            if (!quiet)
                await progress(new JsonMessage { Status = "Loading layer", Id = diffIds[i][7..19], ProgressDetail = new ProgressDetail { Current = 0, Total = size } });
            bool compressed;
            await using (var probe = File.OpenRead(file))
                compressed = probe.ReadByte() == 0x1f && probe.ReadByte() == 0x8b;
            try
            {
                await using var source = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.Asynchronous | FileOptions.SequentialScan);
                if (compressed)
                {
                    string blobTemp = Blobs.NewTempPath();
                    try
                    {
                        await using (var tee = new FileStream(blobTemp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous))
                            await Layers.CreateAsync(source, diffIds[i], tee, cancellationToken);
                        Blobs.Commit(blobTemp, diffIds[i]);
                    }
                    finally
                    {
                        File.Delete(blobTemp);
                    }
                }
                else
                {
                    await Layers.CreateAsync(source, diffIds[i], null, cancellationToken);
                    source.Close();
                    Files.LChown(file, 0, 0);
                    File.SetUnixFileMode(file, (UnixFileMode)0x1a4);
                    Blobs.Commit(file, diffIds[i]); // verified: its sha256 is the diff-id; same file system, so a rename
                }
            }
            catch (InvalidLayerException e)
            {
                throw new InvalidArchiveException($"invalid layer {i + 1} ({diffIds[i]}): {e.Message}", e);
            }
            if (!quiet)
                await progress(new JsonMessage { Status = "Loading layer", Id = diffIds[i][7..19], ProgressDetail = new ProgressDetail { Current = size, Total = size } });
        }

        var entry = StoreImage(item.Config, null);
        Publish("load", entry.Id, entry.Id, entry);
        if (item.Tags.Count == 0)
        {
            await progress(new JsonMessage { Stream = $"Loaded image ID: {entry.Id}\n" });
            return;
        }
        foreach (var tag in item.Tags)
        {
            string? previous = SetReference(tag, entry);
            if (previous is not null)
                await progress(new JsonMessage { Stream = $"The image {tag.FamiliarString} already exists, renaming the old one with ID {previous} to empty string\n" });
            await progress(new JsonMessage { Stream = $"Loaded image: {tag.FamiliarString}\n" });
        }
    }

    private List<LoadItem> ReadDockerArchive(string staging)
    {
        List<ArchiveManifestEntry>? manifest;
        try
        {
            manifest = JsonSerializer.Deserialize(ReadSmall(staging, "manifest.json"), ImageFormatsJson.Context.ListArchiveManifestEntry);
        }
        catch (JsonException e)
        {
            throw new InvalidArchiveException($"invalid archive: manifest.json: {e.Message}", e);
        }
        var items = new List<LoadItem>();
        foreach (var m in manifest ?? [])
        {
            var tags = new List<ImageReference>();
            foreach (var t in m.RepoTags ?? [])
            {
                var r = ImageReference.ParseNormalized(t);
                if (r.Tag is null) throw new InvalidArchiveException($"invalid tag \"{t}\" in manifest.json");
                tags.Add(r);
            }
            items.Add(new LoadItem(ReadSmall(staging, m.Config), m.Layers, tags));
        }
        return items;
    }

    private List<LoadItem> ReadOciLayout(string staging)
    {
        var index = ReadJson(staging, "index.json", ImageFormatsJson.Context.OciIndex, null);
        var items = new List<LoadItem>();
        foreach (var descriptor in index.Manifests) CollectOci(staging, descriptor, items, depth: 0);
        if (items.Count == 0) throw new InvalidArchiveException("invalid archive: index.json lists no image for linux");
        return items;
    }

    private void CollectOci(string staging, OciDescriptor descriptor, List<LoadItem> items, int depth)
    {
        if (depth > 4) throw new InvalidArchiveException("invalid archive: indexes nested too deeply");
        if (descriptor.Platform is { } p && p.Os != "linux") return;
        string path = BlobPath(descriptor.Digest);
        switch (descriptor.MediaType)
        {
            case MediaTypes.OciIndex or MediaTypes.DockerManifestList:
                var nested = ReadJson(staging, path, ImageFormatsJson.Context.OciIndex, descriptor.Digest);
                var candidates = nested.Manifests.Where(m => m.Platform is null || (m.Platform.Os == "linux" && m.Platform.Architecture == HostArchitecture)).ToList();
                // One image per index: this host's platform if listed, else the only entry.
                var chosen = candidates.FirstOrDefault() ?? (nested.Manifests.Count == 1 ? nested.Manifests[0] : null)
                    ?? throw new InvalidArchiveException($"invalid archive: no image for linux/{HostArchitecture} in {descriptor.Digest}");
                chosen.Annotations ??= descriptor.Annotations;
                CollectOci(staging, chosen, items, depth + 1);
                return;
            case MediaTypes.OciManifest or MediaTypes.DockerManifest:
                var manifest = ReadJson(staging, path, ImageFormatsJson.Context.OciManifest, descriptor.Digest);
                byte[] config = ReadVerified(staging, manifest.Config.Digest);
                var tags = new List<ImageReference>();
                if (descriptor.Annotations is { } a)
                {
                    string? name = a.GetValueOrDefault("io.containerd.image.name");
                    if (name is null && a.GetValueOrDefault("org.opencontainers.image.ref.name") is { } refName && refName.Contains(':') )
                        name = refName;
                    if (name is not null)
                    {
                        var r = ImageReference.ParseNormalized(name);
                        if (r.Tag is not null) tags.Add(r);
                    }
                }
                foreach (var layer in manifest.Layers)
                {
                    if (layer.MediaType is not (MediaTypes.OciLayer or MediaTypes.OciLayerGzip or MediaTypes.DockerLayer or MediaTypes.DockerLayerGzip))
                        throw new InvalidArchiveException($"invalid archive: unsupported layer media type \"{layer.MediaType}\"");
                    BlobPath(layer.Digest);
                }
                items.Add(new LoadItem(config, [.. manifest.Layers.Select(l => BlobPath(l.Digest))], tags));
                return;
            default:
                throw new InvalidArchiveException($"invalid archive: unsupported media type \"{descriptor.MediaType}\"");
        }
    }

    private static string BlobPath(string digest)
    {
        if (digest.Length != 71 || !digest.StartsWith("sha256:", StringComparison.Ordinal) || !ImageReference.IsLowerHex(digest[7..]))
            throw new InvalidArchiveException($"invalid archive: unsupported digest \"{digest}\"");
        return "blobs/sha256/" + digest[7..];
    }

    private static T ReadJson<T>(string staging, string path, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type, string? digest) where T : class
    {
        byte[] bytes = digest is null ? ReadSmall(staging, path) : ReadVerified(staging, digest);
        try
        {
            return JsonSerializer.Deserialize(bytes, type) ?? throw new InvalidArchiveException($"invalid archive: {path} is null");
        }
        catch (JsonException e)
        {
            throw new InvalidArchiveException($"invalid archive: {path}: {e.Message}", e);
        }
    }

    private static byte[] ReadVerified(string staging, string digest)
    {
        byte[] bytes = ReadSmall(staging, BlobPath(digest));
        if (Sha256(bytes) != digest) throw new InvalidArchiveException($"invalid archive: blob {digest} does not match its digest");
        return bytes;
    }

    private static byte[] ReadSmall(string staging, string path)
    {
        string file = Resolve(staging, path);
        var info = new FileInfo(file);
        if (info.Length > 16 << 20) throw new InvalidArchiveException($"invalid archive: {path} is too large");
        return File.ReadAllBytes(file);
    }

    /// <summary>
    /// A path named by the archive's own metadata, resolved inside the staging directory without the host's
    /// resolver: symlinks (the old layout links identical layer.tar files) are followed lexically and must stay inside.
    /// </summary>
    private static string Resolve(string staging, string path)
    {
        var pending = new Stack<string>(LayerExtractor.Clean(path, path).AsEnumerable().Reverse());
        var resolved = new List<string>();
        int hops = 0;
        while (pending.Count > 0)
        {
            string part = pending.Pop();
            if (part == "." || part.Length == 0) continue;
            if (part == "..")
            {
                if (resolved.Count == 0) throw new InvalidArchiveException($"invalid archive: {path} points outside the archive");
                resolved.RemoveAt(resolved.Count - 1);
                continue;
            }
            resolved.Add(part);
            string current = Path.Combine(staging, string.Join('/', resolved));
            var st = Files.LStat(current) ?? throw new InvalidArchiveException($"invalid archive: {path} not found");
            if (!st.IsSymlink) continue;
            if (++hops > 32) throw new InvalidArchiveException($"invalid archive: too many symlinks resolving {path}");
            string target = new FileInfo(current).LinkTarget!;
            if (target.StartsWith('/')) throw new InvalidArchiveException($"invalid archive: {path} points outside the archive");
            resolved.RemoveAt(resolved.Count - 1);
            foreach (var p in target.Split('/').Reverse()) pending.Push(p);
        }
        string final = Path.Combine(staging, string.Join('/', resolved));
        var fs = Files.LStat(final);
        if (fs is not { IsRegular: true }) throw new InvalidArchiveException($"invalid archive: {path} is not a file");
        return final;
    }
}
