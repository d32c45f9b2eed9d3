using Moat.Linux;

namespace Moat.Engine.Storage;

/// <summary>Layers as overlayfs lower directories (data-root/overlay2); a container root is one overlay mount.</summary>
public sealed class OverlayLayerStore : DirectoryLayerStore
{
    private readonly string[][] _status;

    public OverlayLayerStore(string root, DecompressionLimits? limits = null) : base(root, limits)
    {
        _status =
        [
            ["Backing Filesystem", BackingFileSystem(root)],
            ["Supports d_type", "true"],
            ["Using metacopy", "false"],
            ["Native Overlay Diff", "true"],
            ["userxattr", "false"],
        ];
    }

    public override string Driver => "overlay2";
    public override IReadOnlyList<string[]> Status => _status;
    protected override WhiteoutFormat Whiteouts => WhiteoutFormat.Overlay;

    public override void MountRootfs(IReadOnlyList<string> diffIds, string? upperDir, string? workDir, string target)
    {
        if (diffIds.Count == 0) throw new ArgumentException("a root needs at least one layer", nameof(diffIds));
        // overlayfs wants the top layer first. A single lower without upper is refused by the kernel: bind it read-only instead.
        string lower = string.Join(':', diffIds.Reverse().Select(DiffPath));
        string options = upperDir is null
            ? $"lowerdir={lower}"
            : $"lowerdir={lower},upperdir={upperDir},workdir={workDir}";
        if (options.Length >= 4000)
            throw new Errors.UnsupportedException($"image has too many layers ({diffIds.Count}) for one overlay mount");
        Directory.CreateDirectory(target);
        if (upperDir is null && diffIds.Count == 1)
        {
            Files.Mount(DiffPath(diffIds[0]), target, "", 0x1000 /* MS_BIND */, null);
            Files.Mount("", target, "", 0x1000 | 0x20 /* MS_REMOUNT */ | Files.MS_RDONLY, null);
            return;
        }
        Files.Mount("overlay", target, "overlay", upperDir is null ? Files.MS_RDONLY : 0, options);
    }

    public override void UnmountRootfs(string target) => Files.Unmount(target);

    /// <summary>Tries a real overlay mount under <paramref name="scratch"/>; false with the reason when it fails.</summary>
    public static bool IsSupported(string scratch, out string reason)
    {
        string dir = Path.Combine(scratch, "overlay-check-" + Guid.NewGuid().ToString("N"));
        string[] parts = ["l1", "l2", "u", "w", "m"];
        try
        {
            foreach (var p in parts) Directory.CreateDirectory(Path.Combine(dir, p));
            string merged = Path.Combine(dir, "m");
            Files.Mount("overlay", merged, "overlay", 0, $"lowerdir={dir}/l2:{dir}/l1,upperdir={dir}/u,workdir={dir}/w");
            Files.Unmount(merged);
            reason = "";
            return true;
        }
        catch (LinuxFileException e)
        {
            reason = e.Message;
            return false;
        }
        finally
        {
            try { Directory.Delete(dir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }
}
