namespace Moat.Engine.Storage;

/// <summary>An unpacked layer: its diff-id, where its files are, and its sizes.</summary>
public sealed record LayerInfo(string DiffId, string DiffPath, long Size, long TarSize);

/// <summary>
/// Unpacked layers, one directory per diff-id, shared by every image that uses it. Two implementations:
/// overlay (whiteouts as overlayfs expects them; container roots are overlay mounts) and vfs (a copying
/// fallback when overlayfs is missing). Both pass the same conformance suite.
/// </summary>
public interface ILayerStore
{
    /// <summary>"overlay2" or "vfs", as `docker info` shows Storage Driver.</summary>
    string Driver { get; }

    /// <summary>DriverStatus rows for `docker info`.</summary>
    IReadOnlyList<string[]> Status { get; }

    LayerInfo? Get(string diffId);

    IReadOnlyCollection<LayerInfo> List();

    /// <summary>
    /// Unpacks an uncompressed layer tar (read to its end; every byte read is copied to <paramref name="tee"/>
    /// when given). The diff-id is the sha256 of the whole stream; when <paramref name="expectedDiffId"/> is
    /// given and differs, nothing is kept. An existing layer with the same diff-id is reused.
    /// </summary>
    Task<LayerInfo> CreateAsync(Stream tar, string? expectedDiffId, Stream? tee, CancellationToken cancellationToken);

    void Remove(string diffId);

    /// <summary>
    /// Builds a container root at <paramref name="target"/> from layers (bottom first): overlay mounts them with
    /// <paramref name="upperDir"/> and <paramref name="workDir"/> (read-only view when both are null); vfs copies them into target.
    /// </summary>
    void MountRootfs(IReadOnlyList<string> diffIds, string? upperDir, string? workDir, string target);

    void UnmountRootfs(string target);
}
