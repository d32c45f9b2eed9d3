namespace Moat.Engine.Storage;

/// <summary>
/// The copying fallback (data-root/vfs): layers keep their whiteouts as ".wh." marker files and a container
/// root is a full copy of the layers applied bottom to top. Slower and bigger, but works on any file system.
/// </summary>
public sealed class VfsLayerStore : DirectoryLayerStore
{
    private readonly string[][] _status;

    public VfsLayerStore(string root, string? fallbackReason = null, DecompressionLimits? limits = null) : base(root, limits)
    {
        _status = fallbackReason is null ? [] : [["Fallback reason", fallbackReason]];
    }

    public override string Driver => "vfs";
    public override IReadOnlyList<string[]> Status => _status;
    protected override WhiteoutFormat Whiteouts => WhiteoutFormat.Marker;

    public override void MountRootfs(IReadOnlyList<string> diffIds, string? upperDir, string? workDir, string target)
    {
        Directory.CreateDirectory(target);
        foreach (var diffId in diffIds) RootfsCopier.Apply(DiffPath(diffId), target);
    }

    public override void UnmountRootfs(string target)
    {
        if (Directory.Exists(target)) Directory.Delete(target, recursive: true);
    }
}
