using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Moat.Engine.Events;
using Moat.Engine.Images.Formats;
using Moat.Engine.Storage;

namespace Moat.Engine.Images;

/// <summary>
/// The images area: a content-addressed store (data-root/image/moat) with an in-memory index, layers in an
/// <see cref="ILayerStore"/>, and the operations behind the image endpoints. Reads use an immutable snapshot
/// (no lock, no disk); every change takes one lock, writes its files atomically, then publishes a new snapshot.
/// On-disk commit order — blobs, layers, image record, references — means a crash at any point leaves at most
/// unreferenced blobs and layers, which the next start removes.
/// </summary>
public sealed partial class ImageService
{
    private readonly string _root;
    private readonly string _imagesDir;
    private readonly string _referencesPath;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly EventBus _events;
    private readonly TimeProvider _time;
    private volatile Snapshot _snapshot;

    public ImageService(string dataRoot, ILayerStore layers, EventBus events, TimeProvider time, IImageUsage? usage = null)
    {
        _root = Path.Combine(dataRoot, "image", "moat");
        _imagesDir = Path.Combine(_root, "images");
        _referencesPath = Path.Combine(_root, "repositories.json");
        Directory.CreateDirectory(_imagesDir);
        File.SetUnixFileMode(Path.Combine(dataRoot, "image"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        Blobs = new BlobStore(_root);
        Layers = layers;
        _events = events;
        _time = time;
        Usage = usage ?? new NoImageUsage();
        _snapshot = LoadFromDisk();
        CollectGarbage(_snapshot);
    }

    public BlobStore Blobs { get; }
    public ILayerStore Layers { get; }

    /// <summary>Set by the containers area when it starts (defaults to "no container uses any image").</summary>
    public IImageUsage Usage { get; set; }

    public int Count => _snapshot.Images.Count;

    /// <summary>Chooses overlay2 when an overlay mount works under data-root, else the copying vfs store.</summary>
    public static ILayerStore CreateLayerStore(string dataRoot, DecompressionLimits? limits = null)
    {
        Directory.CreateDirectory(dataRoot);
        if (OverlayLayerStore.IsSupported(dataRoot, out string reason))
            return new OverlayLayerStore(Path.Combine(dataRoot, "overlay2"), limits);
        return new VfsLayerStore(Path.Combine(dataRoot, "vfs"), $"overlayfs is not available: {reason}", limits);
    }

    /// <summary>The image a reference or ID names, with its config and unpacked layer directories (bottom first).</summary>
    public ResolvedImage Resolve(string referenceOrId)
    {
        var entry = Lookup(_snapshot, referenceOrId);
        var paths = entry.DiffIds.Select(d => Layers.Get(d)?.DiffPath ?? throw new InvalidOperationException($"layer {d} missing")).ToList();
        return new ResolvedImage(entry.Id, entry.Config, entry.ConfigFile.Architecture ?? "", entry.ConfigFile.Os ?? "", entry.DiffIds, paths);
    }

    internal sealed class Snapshot
    {
        public Snapshot(Dictionary<string, ImageEntry> images, Dictionary<string, string> references)
        {
            Images = images;
            References = references;
            var byId = new Dictionary<string, List<ImageReference>>(StringComparer.Ordinal);
            foreach (var (r, id) in references)
            {
                if (!byId.TryGetValue(id, out var list)) byId[id] = list = [];
                list.Add(ParseStored(r));
            }
            foreach (var list in byId.Values) list.Sort((a, b) => string.CompareOrdinal(a.FamiliarString, b.FamiliarString));
            ReferencesById = byId;
        }

        public Dictionary<string, ImageEntry> Images { get; }
        /// <summary>Normalized reference ("docker.io/library/busybox:latest") → image ID.</summary>
        public Dictionary<string, string> References { get; }
        public Dictionary<string, List<ImageReference>> ReferencesById { get; }

        public IReadOnlyList<ImageReference> ReferencesOf(string id) => ReferencesById.TryGetValue(id, out var l) ? l : [];
    }

    private static ImageReference ParseStored(string normalized)
    {
        int slash = normalized.IndexOf('/');
        string rest = normalized[(slash + 1)..];
        string? digest = null, tag = null;
        int at = rest.IndexOf('@');
        if (at >= 0) { digest = rest[(at + 1)..]; rest = rest[..at]; }
        int colon = rest.LastIndexOf(':');
        if (colon >= 0) { tag = rest[(colon + 1)..]; rest = rest[..colon]; }
        return new ImageReference(normalized[..slash], rest, tag, digest);
    }

    /// <summary>dockerd's GetImage: digest → ID; named → reference store; else a unique ID prefix.</summary>
    internal static ImageEntry Lookup(Snapshot s, string referenceOrId)
    {
        if (string.IsNullOrEmpty(referenceOrId)) throw new ImageNotFoundException(referenceOrId);
        var parsed = ImageReference.ParseAny(referenceOrId);
        if (parsed.IsDigestOnly)
            return s.Images.TryGetValue(parsed.Digest!, out var byDigest) ? byDigest : throw ImageNotFoundException.For(parsed);
        if (s.References.TryGetValue(parsed.WithDefaultTag().ToString(), out var id) && s.Images.TryGetValue(id, out var byRef))
            return byRef;
        string term = referenceOrId.StartsWith("sha256:", StringComparison.Ordinal) ? referenceOrId[7..] : referenceOrId;
        if (term.Length > 0 && ImageReference.IsLowerHex(term))
        {
            ImageEntry? found = null;
            foreach (var (key, entry) in s.Images)
            {
                if (!key.AsSpan(7).StartsWith(term, StringComparison.Ordinal)) continue;
                if (found is not null) throw ImageNotFoundException.For(parsed); // ambiguous prefix
                found = entry;
            }
            if (found is not null) return found;
        }
        throw ImageNotFoundException.For(parsed);
    }

    internal static bool IsIdPrefix(string id, string candidate) =>
        id.StartsWith(candidate, StringComparison.Ordinal) || id.AsSpan(7).StartsWith(candidate, StringComparison.Ordinal);

    private Snapshot LoadFromDisk()
    {
        var images = new Dictionary<string, ImageEntry>(StringComparer.Ordinal);
        foreach (var file in Directory.EnumerateFiles(_imagesDir, "*.json"))
        {
            try
            {
                var record = JsonSerializer.Deserialize(File.ReadAllBytes(file), ImageFormatsJson.Context.ImageRecordFile)
                    ?? throw new InvalidDataException();
                var entry = BuildEntry(record.Id, Blobs.Read(record.Id), record.ManifestDigest, ParseTime(record.LastTagTime), record.Parent);
                if (!Blobs.Exists(record.ManifestDigest) || entry is null) throw new InvalidDataException();
                images[entry.Id] = entry;
            }
            catch (Exception e) when (e is IOException or JsonException or InvalidDataException or InvalidLayerException)
            {
                File.Delete(file); // an image whose parts are not all there was never completely stored
            }
        }
        var references = new Dictionary<string, string>(StringComparer.Ordinal);
        if (File.Exists(_referencesPath))
        {
            try
            {
                var file = JsonSerializer.Deserialize(File.ReadAllBytes(_referencesPath), ImageFormatsJson.Context.ReferencesFile);
                foreach (var (r, id) in file?.References ?? [])
                    if (images.ContainsKey(id)) references[r] = id;
            }
            catch (JsonException)
            {
                // A torn write is impossible (atomic rename); a corrupt file loses the tags, not the images.
            }
        }
        return new Snapshot(images, references);
    }

    /// <summary>Builds the index entry from a config; null when a layer is missing.</summary>
    private ImageEntry? BuildEntry(string id, byte[] configBytes, string manifestDigest, DateTimeOffset? lastTagTime, string? parent)
    {
        var config = ParseConfig(configBytes);
        var diffIds = config.RootFs?.DiffIds ?? [];
        long size = 0;
        foreach (var d in diffIds)
        {
            var layer = Layers.Get(d);
            if (layer is null || !Blobs.Exists(d)) return null;
            size += layer.Size;
        }
        return new ImageEntry
        {
            Id = id,
            ConfigFile = config,
            ManifestDigest = manifestDigest,
            DiffIds = diffIds,
            Created = ParseTime(config.Created),
            Size = size,
            LastTagTime = lastTagTime,
            Parent = string.IsNullOrEmpty(parent) ? null : parent,
        };
    }

    internal static ImageConfigFile ParseConfig(ReadOnlySpan<byte> bytes)
    {
        ImageConfigFile? config;
        try
        {
            config = JsonSerializer.Deserialize(bytes, ImageFormatsJson.Context.ImageConfigFile);
        }
        catch (JsonException e)
        {
            throw new InvalidLayerException($"invalid image config: {e.Message}", e);
        }
        if (config is null) throw new InvalidLayerException("invalid image config: null");
        if (config.RootFs is { } rootfs)
        {
            if (rootfs.Type != "layers") throw new InvalidLayerException($"invalid image config: unsupported rootfs type \"{rootfs.Type}\"");
            foreach (var d in rootfs.DiffIds)
                if (d.Length != 71 || !d.StartsWith("sha256:", StringComparison.Ordinal) || !ImageReference.IsLowerHex(d[7..]))
                    throw new InvalidLayerException($"invalid image config: invalid diff-id \"{d}\"");
        }
        return config;
    }

    internal static DateTimeOffset? ParseTime(string? value) =>
        value is not null && DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t) ? t : null;

    internal static string FormatTime(DateTimeOffset t)
    {
        // Go's RFC3339Nano: fraction without trailing zeros.
        string s = t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff", CultureInfo.InvariantCulture).TrimEnd('0').TrimEnd('.');
        return s + "Z";
    }

    internal static string Sha256(ReadOnlySpan<byte> data) => "sha256:" + Convert.ToHexStringLower(SHA256.HashData(data));

    /// <summary>Stores the image record and adds the entry (caller holds the lock).</summary>
    private void CommitImage(ImageEntry entry)
    {
        var record = new ImageRecordFile
        {
            Id = entry.Id,
            ManifestDigest = entry.ManifestDigest,
            LastTagTime = entry.LastTagTime is { } t ? FormatTime(t) : null,
            Parent = entry.Parent,
        };
        AtomicFile.Write(Path.Combine(_imagesDir, entry.Id[7..] + ".json"), JsonSerializer.SerializeToUtf8Bytes(record, ImageFormatsJson.Context.ImageRecordFile));
        var s = _snapshot;
        var images = new Dictionary<string, ImageEntry>(s.Images, StringComparer.Ordinal) { [entry.Id] = entry };
        _snapshot = new Snapshot(images, s.References);
    }

    /// <summary>Replaces the reference table (caller holds the lock).</summary>
    private void CommitReferences(Dictionary<string, string> references, Dictionary<string, ImageEntry>? images = null)
    {
        var file = new ReferencesFile { References = new(references.OrderBy(r => r.Key, StringComparer.Ordinal)) };
        AtomicFile.Write(_referencesPath, JsonSerializer.SerializeToUtf8Bytes(file, ImageFormatsJson.Context.ReferencesFile));
        _snapshot = new Snapshot(images ?? _snapshot.Images, references);
    }

    /// <summary>Points <paramref name="reference"/> at an image; returns the image it pointed at before, if another.</summary>
    private string? SetReference(ImageReference reference, ImageEntry entry)
    {
        var references = new Dictionary<string, string>(_snapshot.References, StringComparer.Ordinal);
        string key = reference.ToString();
        references.TryGetValue(key, out string? previous);
        references[key] = entry.Id;
        entry.LastTagTime = _time.GetUtcNow();
        CommitImage(entry);
        CommitReferences(references);
        return previous == entry.Id ? null : previous;
    }

    /// <summary>Removes blobs and layers no image references (caller holds the lock, or start-up).</summary>
    private long CollectGarbage(Snapshot s)
    {
        var usedLayers = new HashSet<string>(StringComparer.Ordinal);
        var usedBlobs = new HashSet<string>(StringComparer.Ordinal);
        foreach (var image in s.Images.Values)
        {
            usedBlobs.Add(image.Id);
            usedBlobs.Add(image.ManifestDigest);
            foreach (var d in image.DiffIds) { usedLayers.Add(d); usedBlobs.Add(d); }
        }
        long reclaimed = 0;
        foreach (var layer in Layers.List())
        {
            if (usedLayers.Contains(layer.DiffId)) continue;
            reclaimed += layer.Size;
            Layers.Remove(layer.DiffId);
        }
        foreach (var blob in Blobs.List().ToList())
            if (!usedBlobs.Contains(blob)) Blobs.Delete(blob);
        return reclaimed;
    }

    private void Publish(string action, string id, string name, ImageEntry? entry)
    {
        var attributes = new Dictionary<string, string>(StringComparer.Ordinal);
        if (entry is not null) foreach (var (k, v) in entry.Labels) attributes[k] = v;
        attributes["name"] = name;
        _events.Publish("image", action, id, attributes);
    }
}
