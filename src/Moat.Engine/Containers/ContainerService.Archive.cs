using Moat.Engine.Containers.Archive;
using Moat.Engine.Errors;
using Moat.Engine.Runtime;
using Moat.Engine.Storage;
using Moat.Linux;

namespace Moat.Engine.Containers;

/// <summary>A resource of a container ready to stream: its stat and a writer for the tar (GET …/archive).</summary>
public sealed class ContainerArchive : IDisposable
{
    private readonly ContainerFileSystem _fs;
    private readonly ResolvedPath _resolved;
    private readonly string _topName;

    internal ContainerArchive(ContainerFileSystem fs, ResolvedPath resolved, PathStat stat, string topName)
    {
        _fs = fs;
        _resolved = resolved;
        Stat = stat;
        _topName = topName;
    }

    public PathStat Stat { get; }

    public Task WriteAsync(Stream output, CancellationToken cancellationToken) =>
        new ArchiveWriter(_fs).WriteAsync(_resolved.Entry!, _topName, output, cancellationToken);

    public void Dispose()
    {
        _resolved.Dispose();
        _fs.Dispose();
    }
}

public sealed partial class ContainerService
{
    /// <summary>HEAD /containers/{id}/archive: the stat of <paramref name="path"/> (its last symlink not followed).</summary>
    public async Task<PathStat> StatPathAsync(string idOrName, string path, CancellationToken cancellationToken)
    {
        var record = _store.Get(idOrName);
        using var fs = await OpenFileSystemAsync(record, cancellationToken);
        using var resolved = ResolveExisting(fs, path, idOrName);
        return StatOf(fs, resolved, path);
    }

    /// <summary>GET /containers/{id}/archive: the stat and the tar of <paramref name="path"/>. Dispose the result.</summary>
    public async Task<ContainerArchive> ArchivePathAsync(string idOrName, string path, CancellationToken cancellationToken)
    {
        var record = _store.Get(idOrName);
        var fs = await OpenFileSystemAsync(record, cancellationToken);
        ResolvedPath? resolved = null;
        try
        {
            resolved = ResolveExisting(fs, path, idOrName);
            var stat = StatOf(fs, resolved, path);
            // TarResourceRebaseOpts: the top entry is named after the requested path's base; "/" becomes "".
            string topName = stat.Name == "/" ? "" : stat.Name;
            var archive = new ContainerArchive(fs, resolved, stat, topName);
            Publish(record, "archive-path");
            return archive;
        }
        catch
        {
            resolved?.Dispose();
            fs.Dispose();
            throw;
        }
    }

    /// <summary>
    /// PUT /containers/{id}/archive: extracts the (plain or gzip) tar in <paramref name="content"/> into the directory
    /// <paramref name="path"/>, every symlink of which is followed inside the container.
    /// </summary>
    public async Task ExtractToDirAsync(string idOrName, string path, bool copyUidGid, bool noOverwriteDirNonDir, Stream content, CancellationToken cancellationToken)
    {
        var record = _store.Get(idOrName);
        using var fs = await OpenFileSystemAsync(record, cancellationToken);
        ResolvedPath target;
        try
        {
            target = fs.ResolveDirectory(path, create: false);
        }
        catch (ContainerPathMissingException)
        {
            throw new ContainerFileNotFoundException(path, idOrName);
        }
        catch (ContainerPathNotDirectoryException)
        {
            throw new ArchivePathException("extraction point is not a directory");
        }
        using (target)
        {
            var options = new ExtractOptions
            {
                NoOverwriteDirNonDir = noOverwriteDirNonDir,
                Owner = copyUidGid ? ContainerOwner(fs, record) : null,
            };
            var extractor = new ArchiveExtractor(fs, target.ContainerPath, options);
            extractor.CheckWritable(target.Entry!);
            await using var tar = await Decompression.OpenAsync(content, DecompressionLimits.Default, cancellationToken);
            await extractor.ExtractAsync(new TarStreamReader(tar), cancellationToken);
        }
        Publish(record, "extract-to-dir");
    }

    private static ResolvedPath ResolveExisting(ContainerFileSystem fs, string path, string idOrName)
    {
        ResolvedPath resolved;
        try
        {
            resolved = fs.Resolve(path, followLast: false);
        }
        catch (ContainerPathMissingException)
        {
            throw new ContainerFileNotFoundException(path, idOrName);
        }
        if (resolved.Entry is null)
        {
            resolved.Dispose();
            throw new ContainerFileNotFoundException(path, idOrName);
        }
        return resolved;
    }

    private static PathStat StatOf(ContainerFileSystem fs, ResolvedPath resolved, string path)
    {
        string absolute = PathStat.AbsolutePath(path);
        var entry = resolved.Entry!;
        string linkTarget = entry.Stat.IsSymlink ? fs.FollowInScope(absolute) : "";
        return PathStat.From(PathStat.GoBase(absolute), entry.Stat, linkTarget);
    }

    /// <summary>The container's merged rootfs on the host, mounted again first if a stopped container's mount is gone (export).</summary>
    public async Task<string> MountedRootfsAsync(string idOrName, CancellationToken cancellationToken)
    {
        var record = _store.Get(idOrName);
        string rootfs = await EnsureRootfsAsync(record, cancellationToken);
        return RuntimeService.IsMountPoint(rootfs) ? rootfs
            : throw new ConflictException($"container {record.Id}: its filesystem is not available for export");
    }

    private async Task<string> EnsureRootfsAsync(ContainerRecord record, CancellationToken cancellationToken)
    {
        var handle = Handle(record.Id);
        // Not while an exit is being cleaned up (which unmounts); once mounted, a later clean-up leaves a busy mount alone.
        await handle.Lock.WaitAsync(cancellationToken);
        try
        {
            string rootfs = _runtime.RootfsPath(record.Id)
                ?? throw new ConflictException($"container {record.Id}: its filesystem is not available");
            if (!IsActive(record.State.Status) && !RuntimeService.IsMountPoint(rootfs))
                await _runtime.PrepareAsync(BuildSpec(record), cancellationToken);
            return rootfs;
        }
        finally
        {
            handle.Lock.Release();
        }
    }

    /// <summary>
    /// The container's file system for docker cp: its rootfs (mounted again first if a stopped container's mount
    /// is gone, e.g. after a reboot) with its volumes, bind mounts and /etc/hosts, /etc/hostname, /etc/resolv.conf.
    /// </summary>
    private async Task<ContainerFileSystem> OpenFileSystemAsync(ContainerRecord record, CancellationToken cancellationToken)
    {
        string rootfs = await EnsureRootfsAsync(record, cancellationToken);
        if (!Directory.Exists(rootfs))
            throw new ConflictException($"container {record.Id}: its filesystem is not available");

        var mounts = new List<ArchiveMount>();
        var taken = new HashSet<string>(StringComparer.Ordinal);
        foreach (var m in record.Mounts)
        {
            string destination = ContainerFileSystem.CleanAbsolute(m.Destination);
            taken.Add(destination);
            mounts.Add(m.Type switch
            {
                "tmpfs" => new ArchiveMount(destination, "", !m.RW, "tmpfs"),
                "volume" => new ArchiveMount(destination, m.Source, !m.RW, "volume"),
                _ => new ArchiveMount(destination, m.Source, !m.RW, "bind"),
            });
        }
        string bundle = Path.GetDirectoryName(rootfs)!;
        foreach (var (file, destination) in new[] { ("hosts", "/etc/hosts"), ("hostname", "/etc/hostname"), ("resolv.conf", "/etc/resolv.conf") })
        {
            string source = Path.Combine(bundle, file);
            if (!taken.Contains(destination) && File.Exists(source))
                mounts.Add(new ArchiveMount(destination, source, record.HostConfig.ReadonlyRootfs, "bind"));
        }
        try
        {
            return new ContainerFileSystem(rootfs, mounts, record.HostConfig.ReadonlyRootfs);
        }
        catch (LinuxFileException e)
        {
            throw new ConflictException($"container {record.Id}: its filesystem is not available: {e.Message}", e);
        }
    }

    /// <summary>
    /// copyUIDGID: the container's configured user (dockerd's tarCopyOptions), looked up in the container's own
    /// /etc/passwd and /etc/group — read through the container's file system, never by a host path. No user: the tar's ids.
    /// </summary>
    private static (int, int)? ContainerOwner(ContainerFileSystem fs, ContainerRecord record)
    {
        string user = record.Config.User;
        if (string.IsNullOrEmpty(user)) return null;
        string copy = Directory.CreateTempSubdirectory("moat-user-").FullName;
        try
        {
            Directory.CreateDirectory(Path.Combine(copy, "etc"));
            foreach (var name in new[] { "passwd", "group" })
            {
                byte[]? data = ReadSmallFile(fs, "/etc/" + name, 4 << 20);
                if (data is not null) File.WriteAllBytes(Path.Combine(copy, "etc", name), data);
            }
            var resolved = UserResolver.Resolve(copy, user);
            return ((int)resolved.Uid, (int)resolved.Gid);
        }
        finally
        {
            Directory.Delete(copy, recursive: true);
        }
    }

    private static byte[]? ReadSmallFile(ContainerFileSystem fs, string path, int limit)
    {
        try
        {
            using var resolved = fs.Resolve(path, followLast: true);
            if (resolved.Entry is not { Stat.IsRegular: true } entry || entry.Parent is null) return null;
            using var fd = Linux.FileSystem.AtCalls.openat(entry.Parent, entry.Name,
                Linux.FileSystem.AtCalls.O_RDONLY | Linux.FileSystem.AtCalls.O_NOFOLLOW | Linux.FileSystem.AtCalls.O_NONBLOCK);
            long size = RandomAccess.GetLength(fd);
            if (size > limit) return null;
            var data = new byte[size];
            int read = 0;
            while (read < data.Length)
            {
                int n = RandomAccess.Read(fd, data.AsSpan(read), read);
                if (n == 0) break;
                read += n;
            }
            return data.AsSpan(0, read).ToArray();
        }
        catch (IOException)
        {
            return null;
        }
        catch (ArchivePathException)
        {
            return null;
        }
    }
}
