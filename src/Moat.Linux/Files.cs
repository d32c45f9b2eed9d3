using System.Runtime.InteropServices;

namespace Moat.Linux;

/// <summary>A failed file-system call; keeps the errno.</summary>
public sealed class LinuxFileException(string call, string path, int errno)
    : IOException($"{call} {path}: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})")
{
    public int Errno { get; } = errno;
    public string Call { get; } = call;
}

/// <summary>What statx tells about a path (the symlink itself, not its target).</summary>
public readonly record struct FileStat(uint Mode, int Uid, int Gid, long Size, DateTimeOffset AccessTime, DateTimeOffset ModifyTime, uint RdevMajor, uint RdevMinor, uint Links)
{
    public uint Type => Mode & 0xF000;
    public bool IsDirectory => Type == 0x4000;
    public bool IsSymlink => Type == 0xA000;
    public bool IsRegular => Type == 0x8000;
}

/// <summary>
/// File-system calls the BCL does not offer (ownership and times of symlinks, device nodes, xattrs,
/// hard links, syncfs, mounts). Each wrapper throws <see cref="LinuxFileException"/> on failure.
/// None of them follows a symlink in the last path component.
/// </summary>
public static partial class Files
{
    public const int ENOENT = 2;
    public const int EEXIST = 17;
    public const int ENODATA = 61;
    public const int EPERM = 1;
    public const int EOPNOTSUPP = 95;

    private const int AT_FDCWD = -100;
    private const int AT_SYMLINK_NOFOLLOW = 0x100;
    private const int O_RDONLY = 0;
    private const int O_DIRECTORY = 0x10000;
    private const int O_CLOEXEC = 0x80000;
    private const int O_NOFOLLOW = 0x20000;
    public const uint S_IFCHR = 0x2000;
    public const uint S_IFBLK = 0x6000;
    public const uint S_IFIFO = 0x1000;
    public const ulong MS_RDONLY = 1;

    public static void LChown(string path, int uid, int gid) => Check(lchown(path, uid, gid), "lchown", path);

    public static void MkNod(string path, uint mode, uint major, uint minor) =>
        Check(mknod(path, mode, MakeDev(major, minor)), "mknod", path);

    public static void LSetXattr(string path, string name, ReadOnlySpan<byte> value) =>
        Check(lsetxattr(path, name, value, (nuint)value.Length, 0), "lsetxattr", path);

    /// <summary>Returns null when the attribute is absent.</summary>
    public static byte[]? LGetXattr(string path, string name)
    {
        var buffer = new byte[64 * 1024];
        nint n = lgetxattr(path, name, buffer, (nuint)buffer.Length);
        if (n < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            if (errno == ENODATA) return null;
            throw new LinuxFileException("lgetxattr", path, errno);
        }
        return buffer.AsSpan(0, (int)n).ToArray();
    }

    /// <summary>Names of the path's own extended attributes (empty when the file system has none).</summary>
    public static IReadOnlyList<string> LListXattr(string path)
    {
        var buffer = new byte[64 * 1024];
        nint n = llistxattr(path, buffer, (nuint)buffer.Length);
        if (n < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            if (errno == EOPNOTSUPP) return [];
            throw new LinuxFileException("llistxattr", path, errno);
        }
        return System.Text.Encoding.UTF8.GetString(buffer, 0, (int)n).Split('\0', StringSplitOptions.RemoveEmptyEntries);
    }

    /// <summary>Sets access and modification times of the path itself (not a symlink's target).</summary>
    public static void LUtimes(string path, DateTimeOffset access, DateTimeOffset modified)
    {
        Span<long> times = stackalloc long[4];
        Split(access, out times[0], out times[1]);
        Split(modified, out times[2], out times[3]);
        Check(utimensat(AT_FDCWD, path, times, AT_SYMLINK_NOFOLLOW), "utimensat", path);

        static void Split(DateTimeOffset t, out long sec, out long nsec)
        {
            long ticks = t.UtcTicks - DateTime.UnixEpoch.Ticks;
            sec = Math.DivRem(ticks, TimeSpan.TicksPerSecond, out long rem);
            if (rem < 0) { sec--; rem += TimeSpan.TicksPerSecond; }
            nsec = rem * 100;
        }
    }

    /// <summary>The st_mode of the path itself (lstat), or null when nothing is there.</summary>
    public static uint? LStatMode(string path)
    {
        Span<byte> buffer = stackalloc byte[256];
        if (statx(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW, 0x2 /* STATX_MODE */, buffer) < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            if (errno == ENOENT || errno == 20 /* ENOTDIR */) return null;
            throw new LinuxFileException("statx", path, errno);
        }
        return BitConverter.ToUInt16(buffer[28..30]);
    }

    /// <summary>lstat via statx (same layout on every architecture); null when nothing is there.</summary>
    public static FileStat? LStat(string path)
    {
        Span<byte> b = stackalloc byte[256];
        if (statx(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW, 0x7ff /* STATX_BASIC_STATS */, b) < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            if (errno == ENOENT || errno == 20) return null;
            throw new LinuxFileException("statx", path, errno);
        }
        return new FileStat(
            BitConverter.ToUInt16(b[28..30]),
            BitConverter.ToInt32(b[20..24]),
            BitConverter.ToInt32(b[24..28]),
            BitConverter.ToInt64(b[40..48]),
            DateTimeOffset.FromUnixTimeSeconds(BitConverter.ToInt64(b[64..72])).AddTicks(BitConverter.ToUInt32(b[72..76]) / 100),
            DateTimeOffset.FromUnixTimeSeconds(BitConverter.ToInt64(b[112..120])).AddTicks(BitConverter.ToUInt32(b[120..124]) / 100),
            BitConverter.ToUInt32(b[128..132]),
            BitConverter.ToUInt32(b[132..136]),
            BitConverter.ToUInt32(b[16..20]));
    }

    public const uint S_IFMT = 0xF000;
    public const uint S_IFDIR = 0x4000;
    public const uint S_IFLNK = 0xA000;
    public const uint S_IFREG = 0x8000;

    public static void Link(string existing, string newPath) => Check(link(existing, newPath), "link", newPath);

    /// <summary>Flushes the file system that holds <paramref name="directory"/>.</summary>
    public static void SyncFs(string directory) => WithDirectory(directory, fd => syncfs(fd), "syncfs");

    /// <summary>fsync of a directory, so that a rename inside it is durable.</summary>
    public static void FsyncDirectory(string directory) => WithDirectory(directory, fd => fsync(fd), "fsync");

    public static void Mount(string source, string target, string fsType, ulong flags, string? data) =>
        Check(mount(source, target, fsType, flags, data), "mount", target);

    public static void Unmount(string target, bool detach = false) => Check(umount2(target, detach ? 2 : 0), "umount2", target);

    /// <summary>statfs f_type of the file system holding <paramref name="path"/>.</summary>
    public static long FileSystemType(string path)
    {
        Span<long> buffer = stackalloc long[32];
        Check(statfs(path, buffer), "statfs", path);
        return buffer[0];
    }

    public static ulong MakeDev(uint major, uint minor) =>
        ((ulong)(major & 0xfffff000) << 32) | ((ulong)(major & 0xfff) << 8) | ((ulong)(minor & 0xffffff00) << 12) | (minor & 0xff);

    private static void WithDirectory(string directory, Func<int, int> call, string name)
    {
        int fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0) throw new LinuxFileException("open", directory, Marshal.GetLastPInvokeError());
        try { Check(call(fd), name, directory); }
        finally { close(fd); }
    }

    private static void Check(int result, string call, string path)
    {
        if (result < 0) throw new LinuxFileException(call, path, Marshal.GetLastPInvokeError());
    }

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int lchown(string path, int owner, int group);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int mknod(string path, uint mode, ulong dev);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int lsetxattr(string path, string name, ReadOnlySpan<byte> value, nuint size, int flags);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint lgetxattr(string path, string name, Span<byte> value, nuint size);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint llistxattr(string path, Span<byte> list, nuint size);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int utimensat(int dirfd, string path, ReadOnlySpan<long> times, int flags);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int statx(int dirfd, string path, int flags, uint mask, Span<byte> buffer);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int link(string oldpath, string newpath);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int open(string path, int flags);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int statfs(string path, Span<long> buffer);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int close(int fd);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int syncfs(int fd);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int fsync(int fd);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int mount(string source, string target, string fstype, ulong flags, string? data);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int umount2(string target, int flags);
}
