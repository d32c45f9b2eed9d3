using System.Collections.Concurrent;
using System.Text.Json;
using Moat.Engine.Images.Formats;
using Moat.Linux;

namespace Moat.Engine.Storage;

/// <summary>
/// The part both drivers share: &lt;root&gt;/&lt;hex&gt;/diff holds the files, &lt;root&gt;/&lt;hex&gt;/layer.json the sizes.
/// A layer is unpacked in &lt;root&gt;/tmp and renamed into place whole, so a crash never leaves a visible half layer.
/// </summary>
public abstract class DirectoryLayerStore : ILayerStore
{
    private readonly ConcurrentDictionary<string, LayerInfo> _layers = new(StringComparer.Ordinal);
    private readonly DecompressionLimits _limits;

    protected DirectoryLayerStore(string root, DecompressionLimits? limits = null)
    {
        Root = root;
        _limits = limits ?? DecompressionLimits.Default;
        Directory.CreateDirectory(root);
        File.SetUnixFileMode(root, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        string tmp = Path.Combine(root, "tmp");
        if (Directory.Exists(tmp)) Directory.Delete(tmp, recursive: true); // leftovers of an interrupted unpack
        Directory.CreateDirectory(tmp);
        foreach (var dir in Directory.EnumerateDirectories(root))
        {
            string hex = Path.GetFileName(dir);
            if (hex.Length != 64) continue;
            try
            {
                var meta = JsonSerializer.Deserialize(File.ReadAllBytes(Path.Combine(dir, "layer.json")), ImageFormatsJson.Context.LayerMetadataFile);
                if (meta is null || meta.DiffId != "sha256:" + hex) throw new InvalidDataException();
                _layers[meta.DiffId] = new LayerInfo(meta.DiffId, Path.Combine(dir, "diff"), meta.Size, meta.TarSize);
            }
            catch (Exception e) when (e is IOException or JsonException or InvalidDataException)
            {
                Directory.Delete(dir, recursive: true); // not a complete layer
            }
        }
    }

    public string Root { get; }
    public abstract string Driver { get; }
    public abstract IReadOnlyList<string[]> Status { get; }
    protected abstract WhiteoutFormat Whiteouts { get; }

    public LayerInfo? Get(string diffId) => _layers.TryGetValue(diffId, out var layer) ? layer : null;

    public IReadOnlyCollection<LayerInfo> List() => [.. _layers.Values];

    public async Task<LayerInfo> CreateAsync(Stream tar, string? expectedDiffId, Stream? tee, CancellationToken cancellationToken)
    {
        string tmp = Path.Combine(Root, "tmp", Guid.NewGuid().ToString("N"));
        string diff = Path.Combine(tmp, "diff");
        Directory.CreateDirectory(diff);
        File.SetUnixFileMode(diff, (UnixFileMode)0x1ed);
        try
        {
            await using var bounded = await Decompression.OpenAsync(tar, _limits, cancellationToken);
            using var digesting = new DigestingStream(bounded, tee);
            var extractor = new LayerExtractor(diff, Whiteouts);
            await extractor.ExtractAsync(new TarStreamReader(digesting), cancellationToken);
            await digesting.DrainAsync(cancellationToken);
            string diffId = digesting.Digest();
            if (expectedDiffId is not null && expectedDiffId != diffId)
                throw new InvalidLayerException($"layer digest mismatch: expected {expectedDiffId}, got {diffId}");
            if (Get(diffId) is { } existing)
            {
                Directory.Delete(tmp, recursive: true);
                return existing;
            }
            var meta = new LayerMetadataFile { DiffId = diffId, Size = extractor.ContentSize, TarSize = digesting.BytesRead };
            File.WriteAllBytes(Path.Combine(tmp, "layer.json"), JsonSerializer.SerializeToUtf8Bytes(meta, ImageFormatsJson.Context.LayerMetadataFile));
            Files.SyncFs(tmp);
            string final = Path.Combine(Root, diffId["sha256:".Length..]);
            Directory.Move(tmp, final);
            Files.FsyncDirectory(Root);
            var info = new LayerInfo(diffId, Path.Combine(final, "diff"), meta.Size, meta.TarSize);
            _layers[diffId] = info;
            return info;
        }
        catch
        {
            if (Directory.Exists(tmp)) Directory.Delete(tmp, recursive: true);
            throw;
        }
    }

    public void Remove(string diffId)
    {
        if (!_layers.TryRemove(diffId, out _)) return;
        string dir = Path.Combine(Root, diffId["sha256:".Length..]);
        // Rename first so that a crash mid-delete never leaves a layer that looks complete.
        string doomed = Path.Combine(Root, "tmp", "rm-" + Guid.NewGuid().ToString("N"));
        Directory.Move(dir, doomed);
        Directory.Delete(doomed, recursive: true);
    }

    protected string DiffPath(string diffId) =>
        Get(diffId)?.DiffPath ?? throw new InvalidOperationException($"layer {diffId} is not in the store");

    public abstract void MountRootfs(IReadOnlyList<string> diffIds, string? upperDir, string? workDir, string target);
    public abstract void UnmountRootfs(string target);

    internal static string BackingFileSystem(string path)
    {
        try
        {
            return Files.FileSystemType(path) switch
            {
                0xEF53 => "extfs",
                0x58465342 => "xfs",
                0x01021994 => "tmpfs",
                0x9123683E => "btrfs",
                0x794c7630 => "overlayfs",
                0x2FC12FC1 => "zfs",
                var t => $"0x{t:x}",
            };
        }
        catch (LinuxFileException)
        {
            return "unknown";
        }
    }
}
