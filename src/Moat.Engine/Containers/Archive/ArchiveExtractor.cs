using System.Buffers;
using Microsoft.Win32.SafeHandles;
using Moat.Engine.Storage;
using Moat.Linux;
using Moat.Linux.FileSystem;
using static Moat.Linux.FileSystem.AtCalls;

namespace Moat.Engine.Containers.Archive;

/// <summary>How PUT /containers/{id}/archive extracts.</summary>
public sealed record ExtractOptions
{
    /// <summary>dockerd's noOverwriteDirNonDir: refuse to replace a directory with a non-directory and vice versa.</summary>
    public bool NoOverwriteDirNonDir { get; init; }

    /// <summary>Owner of everything extracted (copyUIDGID with a container user); null keeps the tar's uid/gid.</summary>
    public (int Uid, int Gid)? Owner { get; init; }

    public int MaxEntries { get; init; } = LayerExtractor.DefaultMaxEntries;
}

/// <summary>
/// Extracts an uploaded tar into a directory of a container (docker cp host → container). Entry names are cleaned
/// lexically (a leading "/" dropped, ".." above the extraction point refused). Each entry's directory is resolved
/// through <see cref="ContainerFileSystem"/> — inside the container, mount-aware — and held as an fd; the entry is
/// then made with *at calls on that fd and its one-component name: files with O_CREAT|O_EXCL|O_NOFOLLOW, metadata
/// with AT_SYMLINK_NOFOLLOW (fchmodat2), existing entries removed through fds. So neither a hostile archive nor a
/// container racing symlinks into place can make moatd write outside the container, and every directory written
/// into is checked against the read-only rootfs and read-only mounts. The tar parser is the image layers' bounded one.
/// </summary>
public sealed class ArchiveExtractor
{
    private readonly ContainerFileSystem _fs;
    private readonly string _target;
    private readonly ExtractOptions _options;
    private readonly Dictionary<string, ResolvedPath> _directories = new(StringComparer.Ordinal);
    private readonly List<(ResolvedPath Parent, string Name, TarHeader Header)> _directoryTimes = [];

    /// <param name="target">The resolved container path of the extraction directory.</param>
    public ArchiveExtractor(ContainerFileSystem fs, string target, ExtractOptions options)
    {
        _fs = fs;
        _target = target;
        _options = options;
    }

    /// <summary>Throws when <paramref name="directory"/> may not be written: the rootfs is read-only, or its mount is.</summary>
    public void CheckWritable(PathNode directory)
    {
        if (directory.Mount is null)
        {
            if (_fs.ReadonlyRootfs) throw new ArchivePathException("container rootfs is marked read-only");
        }
        else if (directory.Mount.ReadOnly)
        {
            throw new ArchivePathException("mounted volume is marked read-only");
        }
    }

    public async Task ExtractAsync(TarStreamReader reader, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(128 * 1024);
        try
        {
            int count = 0;
            while (await reader.NextAsync(cancellationToken) is { } header)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (++count > _options.MaxEntries) throw new InvalidLayerException($"archive has more than {_options.MaxEntries} entries");
                var parts = Clean(header.Name, header.Name);
                if (parts.Count == 0)
                {
                    // "." or "/": the extraction directory itself, which exists (dockerd skips it).
                    if (header.Kind != TarEntryKind.Directory)
                        throw new InvalidLayerException($"refusing tar entry \"{header.Name}\": it would replace the extraction directory");
                    continue;
                }
                await ExtractEntryAsync(reader, header, parts, buffer, cancellationToken);
            }
            for (int i = _directoryTimes.Count - 1; i >= 0; i--)
            {
                var (parent, name, h) = _directoryTimes[i];
                if (parent.Entry is null || parent.Entry.Fd.IsClosed) continue;
                try { utimensat(parent.Entry.Fd, name, h.AccessTime ?? h.ModTime, h.ModTime, AT_SYMLINK_NOFOLLOW); }
                catch (LinuxFileException e) when (e.Errno == ENOENT) { }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
            foreach (var d in _directories.Values) d.Dispose();
            _directories.Clear();
        }
    }

    /// <summary>Tar name → clean components; ".." that would climb above the extraction directory is refused.</summary>
    public static List<string> Clean(string name, string entryForErrors)
    {
        var parts = new List<string>();
        foreach (var part in name.Split('/'))
        {
            if (part.Length == 0 || part == ".") continue;
            if (part == "..")
            {
                if (parts.Count == 0) throw new InvalidLayerException($"refusing tar entry \"{entryForErrors}\": it points outside the extraction directory");
                parts.RemoveAt(parts.Count - 1);
                continue;
            }
            if (System.Text.Encoding.UTF8.GetByteCount(part) > 255) throw new InvalidLayerException($"refusing tar entry \"{entryForErrors}\": name too long");
            parts.Add(part);
        }
        return parts;
    }

    private async Task ExtractEntryAsync(TarStreamReader reader, TarHeader header, List<string> parts, byte[] buffer, CancellationToken cancellationToken)
    {
        string parentKey = string.Join('/', parts.Take(parts.Count - 1));
        var parent = DirectoryAt(parentKey, create: true);
        var dir = parent.Entry!;
        string name = parts[^1];
        string containerPath = ContainerFileSystem.Join(dir.ContainerPath, name);
        bool isDirectory = header.Kind == TarEntryKind.Directory;

        if (_fs.MountAt(containerPath) is { } mount)
        {
            // A mount point: a directory entry merges into the mount; nothing may replace it.
            if (!isDirectory || mount.IsTmpfs) throw new ArchivePathException($"cannot overwrite the mount point {containerPath}");
            return;
        }

        CheckWritable(dir);
        EntryStat? existing = null;
        try { existing = statx(dir.Fd, name, AT_SYMLINK_NOFOLLOW); }
        catch (LinuxFileException e) when (e.Errno is ENOENT) { }

        if (existing is { } old)
        {
            if (_options.NoOverwriteDirNonDir && old.IsDirectory && !isDirectory)
                throw new ArchivePathException($"cannot overwrite directory \"{containerPath}\" with non-directory \"{_target}\"");
            if (_options.NoOverwriteDirNonDir && !old.IsDirectory && isDirectory)
                throw new ArchivePathException($"cannot overwrite non-directory \"{containerPath}\" with directory \"{_target}\"");
            if (!(old.IsDirectory && isDirectory))
            {
                Forget(parentKey.Length == 0 ? name : parentKey + "/" + name);
                if (old.IsDirectory) RemoveTree(dir.Fd, name, 0);
                else unlinkat(dir.Fd, name, 0);
                existing = null;
            }
        }

        var (uid, gid) = _options.Owner ?? (header.Uid, header.Gid);
        switch (header.Kind)
        {
            case TarEntryKind.Directory:
                if (existing is null) mkdirat(dir.Fd, name, 0x1c0);
                fchownat(dir.Fd, name, uid, gid, AT_SYMLINK_NOFOLLOW);
                fchmodat2(dir.Fd, name, (uint)header.Mode & 0xfff, AT_SYMLINK_NOFOLLOW);
                _directoryTimes.Add((parent, name, header));
                return;
            case TarEntryKind.File:
                await WriteFileAsync(reader, dir.Fd, name, header, uid, gid, buffer, cancellationToken);
                break;
            case TarEntryKind.Symlink:
                symlinkat(header.LinkName, dir.Fd, name); // stored verbatim; the container resolves it in its own root
                fchownat(dir.Fd, name, uid, gid, AT_SYMLINK_NOFOLLOW);
                break;
            case TarEntryKind.HardLink:
                LinkTo(header, dir, name);
                return;
            case TarEntryKind.CharDevice or TarEntryKind.BlockDevice or TarEntryKind.Fifo:
                uint type = header.Kind switch { TarEntryKind.CharDevice => Files.S_IFCHR, TarEntryKind.BlockDevice => Files.S_IFBLK, _ => Files.S_IFIFO };
                mknodat(dir.Fd, name, type | ((uint)header.Mode & 0x1ff), header.DevMajor, header.DevMinor);
                fchownat(dir.Fd, name, uid, gid, AT_SYMLINK_NOFOLLOW);
                fchmodat2(dir.Fd, name, (uint)header.Mode & 0xfff, AT_SYMLINK_NOFOLLOW);
                break;
        }
        utimensat(dir.Fd, name, header.AccessTime ?? header.ModTime, header.ModTime, AT_SYMLINK_NOFOLLOW);
    }

    private static async Task WriteFileAsync(TarStreamReader reader, SafeFileHandle dir, string name, TarHeader header, int uid, int gid, byte[] buffer, CancellationToken cancellationToken)
    {
        using var fd = openat(dir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_NOCTTY, 0x180);
        long offset = 0;
        int n;
        while ((n = await reader.ReadAsync(buffer, cancellationToken)) > 0)
        {
            await RandomAccess.WriteAsync(fd, buffer.AsMemory(0, n), offset, cancellationToken);
            offset += n;
        }
        fchownat(fd, "", uid, gid, AT_EMPTY_PATH);
        foreach (var (key, value) in header.Xattrs)
            if (key.StartsWith("user.", StringComparison.Ordinal) || key == "security.capability")
                fsetxattr(fd, key, value);
        fchmod(fd, (uint)header.Mode & 0xfff); // after chown, which clears setuid
    }

    private void LinkTo(TarHeader header, PathNode dir, string name)
    {
        var target = Clean(header.LinkName, header.Name);
        if (target.Count == 0) throw new InvalidLayerException($"refusing tar entry \"{header.Name}\": hard link to the extraction directory");
        var targetDir = DirectoryAt(string.Join('/', target.Take(target.Count - 1)), create: false).Entry!;
        string targetPath = ContainerFileSystem.Join(targetDir.ContainerPath, target[^1]);
        if (_fs.MountAt(targetPath) is not null || targetDir.Mount != dir.Mount)
            throw new InvalidLayerException($"refusing tar entry \"{header.Name}\": hard link across mounts");
        SafeFileHandle fd;
        try { fd = openat2(targetDir.Fd, target[^1], O_PATH | O_NOFOLLOW, 0, RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV); }
        catch (LinuxFileException e) when (e.Errno is ENOENT or ENOTDIR)
        {
            throw new InvalidLayerException($"refusing tar entry \"{header.Name}\": hard link target \"{header.LinkName}\" does not exist");
        }
        using (fd)
        {
            if (AtCalls.fstat(fd).IsDirectory) throw new InvalidLayerException($"refusing tar entry \"{header.Name}\": hard link to a directory");
            linkat(fd, "", dir.Fd, name, AT_EMPTY_PATH);
        }
    }

    /// <summary>The directory at <paramref name="relative"/> below the extraction point, resolved once and kept open.</summary>
    private ResolvedPath DirectoryAt(string relative, bool create)
    {
        if (_directories.TryGetValue(relative, out var known) && known.Entry is { } e && !e.Fd.IsClosed) return known;
        string path = relative.Length == 0 ? _target : _target.TrimEnd('/') + "/" + relative;
        ResolvedPath resolved;
        try
        {
            resolved = _fs.ResolveDirectory(path, create, CheckWritable);
        }
        catch (ContainerPathNotDirectoryException)
        {
            throw new ArchivePathException($"cannot extract into \"{path}\": not a directory");
        }
        catch (ContainerPathMissingException)
        {
            throw new ArchivePathException($"cannot extract into \"{path}\": no such directory");
        }
        if (create) _directories[relative] = resolved;
        else _directories.TryAdd(relative, resolved);
        return resolved;
    }

    /// <summary>Drops cached directories at or below <paramref name="relative"/> (it is about to be removed or replaced).</summary>
    private void Forget(string relative)
    {
        string prefix = relative + "/";
        foreach (var key in _directories.Keys.Where(k => k == relative || k.StartsWith(prefix, StringComparison.Ordinal)).ToList())
        {
            _directories[key].Dispose();
            _directories.Remove(key);
        }
    }

    /// <summary>rm -r of <paramref name="name"/> in <paramref name="parent"/>, through fds only.</summary>
    private static void RemoveTree(SafeFileHandle parent, string name, int depth)
    {
        if (depth > ArchiveWriter.MaxDepth) throw new ArchivePathException("directory tree too deep to remove");
        using (var dir = openat2(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW, 0, RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV))
        {
            foreach (var child in getdents64(dir, 1_000_000))
            {
                EntryStat stat;
                try { stat = statx(dir, child, AT_SYMLINK_NOFOLLOW); }
                catch (LinuxFileException e) when (e.Errno == ENOENT) { continue; }
                if (stat.IsDirectory) RemoveTree(dir, child, depth + 1);
                else unlinkat(dir, child, 0);
            }
        }
        unlinkat(parent, name, AT_REMOVEDIR);
    }
}
