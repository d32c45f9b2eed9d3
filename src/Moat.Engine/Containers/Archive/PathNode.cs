using Microsoft.Win32.SafeHandles;
using Moat.Linux.FileSystem;

namespace Moat.Engine.Containers.Archive;

/// <summary>
/// One entry reached inside a container's file system: an O_PATH|O_NOFOLLOW fd of it, its stat, the mount it
/// lies in (null: the rootfs) and how to reach it by name for real I/O — its real parent directory's fd and
/// its one-component name there (for a mount's root, the host directory holding the mount's source).
/// </summary>
public sealed class PathNode : IDisposable
{
    private readonly bool _ownsFd;
    private readonly bool _ownsParent;

    internal PathNode(string containerPath, SafeFileHandle fd, EntryStat stat, ArchiveMount? mount,
        SafeFileHandle? parent, string name, bool ownsFd, bool ownsParent)
    {
        ContainerPath = containerPath;
        Fd = fd;
        Stat = stat;
        Mount = mount;
        Parent = parent;
        Name = name;
        _ownsFd = ownsFd;
        _ownsParent = ownsParent;
    }

    /// <summary>The entry's absolute path as the container sees it, symlinks resolved ("/", "/etc/hosts").</summary>
    public string ContainerPath { get; }

    public SafeFileHandle Fd { get; }

    public EntryStat Stat { get; }

    /// <summary>The mount holding this entry; null for the container's rootfs.</summary>
    public ArchiveMount? Mount { get; }

    /// <summary>The directory that really holds the entry (null for the container root).</summary>
    internal SafeFileHandle? Parent { get; }

    /// <summary>The entry's one-component name in <see cref="Parent"/>.</summary>
    internal string Name { get; }

    public void Dispose()
    {
        if (_ownsFd) Fd.Dispose();
        if (_ownsParent) Parent?.Dispose();
    }
}
