using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace Moat.Linux.FileSystem;

/// <summary>What statx tells about one file (never a symlink's target): type and mode, owner, size, times, identity.</summary>
public readonly record struct EntryStat(
    uint Mode, int Uid, int Gid, long Size, DateTimeOffset AccessTime, DateTimeOffset ModifyTime,
    uint RdevMajor, uint RdevMinor, uint Links, ulong Inode, uint DevMajor, uint DevMinor)
{
    public uint Type => Mode & 0xF000;
    public bool IsDirectory => Type == 0x4000;
    public bool IsSymlink => Type == 0xA000;
    public bool IsRegular => Type == 0x8000;
}

/// <summary>
/// The *at(2) family over directory file descriptors, for work inside a tree that someone else controls
/// (a container's rootfs): every call names at most one component relative to a dirfd the caller holds,
/// so nothing is re-resolved from a string path. Failures throw <see cref="LinuxFileException"/> with errno.
/// </summary>
public static partial class AtCalls
{
    public const int O_RDONLY = 0;
    public const int O_WRONLY = 1;
    public const int O_RDWR = 2;
    public const int O_CREAT = 0x40;
    public const int O_EXCL = 0x80;
    public const int O_NOCTTY = 0x100;
    public const int O_TRUNC = 0x200;
    public const int O_NONBLOCK = 0x800;
    public const int O_DIRECTORY = 0x10000;
    public const int O_NOFOLLOW = 0x20000;
    public const int O_CLOEXEC = 0x80000;
    public const int O_PATH = 0x200000;

    public const ulong RESOLVE_NO_XDEV = 0x01;
    public const ulong RESOLVE_NO_MAGICLINKS = 0x02;
    public const ulong RESOLVE_NO_SYMLINKS = 0x04;
    public const ulong RESOLVE_BENEATH = 0x08;
    public const ulong RESOLVE_IN_ROOT = 0x10;

    public const int AT_SYMLINK_NOFOLLOW = 0x100;
    public const int AT_REMOVEDIR = 0x200;
    public const int AT_EMPTY_PATH = 0x1000;

    public const int ENOENT = 2;
    public const int EEXIST = 17;
    public const int ENOTDIR = 20;
    public const int EISDIR = 21;
    public const int EROFS = 30;
    public const int ELOOP = 40;
    public const int ENOTEMPTY = 39;
    public const int EXDEV = 18;
    public const int ENODATA = 61;
    public const int EOPNOTSUPP = 95;
    public const int EACCES = 13;
    public const int EPERM = 1;

    private const long SYS_openat2 = 437;   // the same number on every architecture (added after the syscall table unification)
    private const long SYS_fchmodat2 = 452;

    [StructLayout(LayoutKind.Sequential)]
    private struct OpenHow
    {
        public ulong Flags;
        public ulong Mode;
        public ulong Resolve;
    }

    /// <summary>openat2(2): opens <paramref name="path"/> relative to <paramref name="dir"/> under the RESOLVE_* rules.</summary>
    public static unsafe SafeFileHandle openat2(SafeFileHandle dir, string path, int flags, uint mode, ulong resolve)
    {
        var how = new OpenHow { Flags = (ulong)(uint)(flags | O_CLOEXEC), Mode = mode, Resolve = resolve };
        byte[] name = Utf8z(path);
        bool added = false;
        try
        {
            dir.DangerousAddRef(ref added);
            fixed (byte* p = name)
            {
                long fd = syscall(SYS_openat2, dir.DangerousGetHandle(), (nint)p, (nint)(&how), (nint)sizeof(OpenHow));
                if (fd < 0) throw new LinuxFileException("openat2", path, Marshal.GetLastPInvokeError());
                return new SafeFileHandle((nint)fd, ownsHandle: true);
            }
        }
        finally
        {
            if (added) dir.DangerousRelease();
        }
    }

    /// <summary>openat(2) with O_CLOEXEC added.</summary>
    public static SafeFileHandle openat(SafeFileHandle dir, string path, int flags, uint mode = 0)
    {
        int fd = openat_(dir, path, flags | O_CLOEXEC, mode);
        if (fd < 0) throw new LinuxFileException("openat", path, Marshal.GetLastPInvokeError());
        return new SafeFileHandle(fd, ownsHandle: true);
    }

    /// <summary>open(2) of a host path the daemon owns (a layer, volume or bind source), with O_CLOEXEC added.</summary>
    public static SafeFileHandle open(string path, int flags)
    {
        int fd = open_(path, flags | O_CLOEXEC, 0);
        if (fd < 0) throw new LinuxFileException("open", path, Marshal.GetLastPInvokeError());
        return new SafeFileHandle(fd, ownsHandle: true);
    }

    public static void mkdirat(SafeFileHandle dir, string name, uint mode) => Check(mkdirat_(dir, name, mode), "mkdirat", name);

    public static void symlinkat(string target, SafeFileHandle dir, string name) => Check(symlinkat_(target, dir, name), "symlinkat", name);

    public static void unlinkat(SafeFileHandle dir, string name, int flags) => Check(unlinkat_(dir, name, flags), "unlinkat", name);

    public static void fchownat(SafeFileHandle dir, string name, int uid, int gid, int flags) =>
        Check(fchownat_(dir, name, uid, gid, flags), "fchownat", name);

    public static void fchmod(SafeFileHandle fd, uint mode) => Check(fchmod_(fd, mode), "fchmod", "fd");

    /// <summary>fchmodat2(2) (Linux 6.6): with AT_SYMLINK_NOFOLLOW it never changes a symlink's target.</summary>
    public static void fchmodat2(SafeFileHandle dir, string name, uint mode, int flags)
    {
        byte[] n = Utf8z(name);
        bool added = false;
        try
        {
            dir.DangerousAddRef(ref added);
            unsafe
            {
                fixed (byte* p = n)
                {
                    long r = syscall(SYS_fchmodat2, dir.DangerousGetHandle(), (nint)p, (nint)mode, flags);
                    if (r < 0) throw new LinuxFileException("fchmodat2", name, Marshal.GetLastPInvokeError());
                }
            }
        }
        finally
        {
            if (added) dir.DangerousRelease();
        }
    }

    public static void mknodat(SafeFileHandle dir, string name, uint mode, uint major, uint minor) =>
        Check(mknodat_(dir, name, mode, Files.MakeDev(major, minor)), "mknodat", name);

    public static void linkat(SafeFileHandle oldDir, string oldName, SafeFileHandle newDir, string newName, int flags) =>
        Check(linkat_(oldDir, oldName, newDir, newName, flags), "linkat", newName);

    /// <summary>Sets the times of <paramref name="name"/> in <paramref name="dir"/> (with AT_SYMLINK_NOFOLLOW, of a symlink itself).</summary>
    public static void utimensat(SafeFileHandle dir, string name, DateTimeOffset access, DateTimeOffset modified, int flags)
    {
        Span<long> times = stackalloc long[4];
        Split(access, out times[0], out times[1]);
        Split(modified, out times[2], out times[3]);
        Check(utimensat_(dir, name, times, flags), "utimensat", name);

        static void Split(DateTimeOffset t, out long sec, out long nsec)
        {
            long ticks = t.UtcTicks - DateTime.UnixEpoch.Ticks;
            sec = Math.DivRem(ticks, TimeSpan.TicksPerSecond, out long rem);
            if (rem < 0) { sec--; rem += TimeSpan.TicksPerSecond; }
            nsec = rem * 100;
        }
    }

    /// <summary>readlinkat(2); with an empty name, the target of the symlink <paramref name="dir"/> (an O_PATH|O_NOFOLLOW fd) is.</summary>
    public static string readlinkat(SafeFileHandle dir, string name)
    {
        var buffer = new byte[4096];
        nint n = readlinkat_(dir, name, buffer, (nuint)buffer.Length);
        if (n < 0) throw new LinuxFileException("readlinkat", name, Marshal.GetLastPInvokeError());
        if (n >= buffer.Length) throw new LinuxFileException("readlinkat", name, 36 /* ENAMETOOLONG */);
        return Encoding.UTF8.GetString(buffer, 0, (int)n);
    }

    /// <summary>statx(2) of <paramref name="name"/> in <paramref name="dir"/>; with an empty name and AT_EMPTY_PATH, of the fd itself.</summary>
    public static EntryStat statx(SafeFileHandle dir, string name, int flags)
    {
        Span<byte> b = stackalloc byte[256];
        Check(statx_(dir, name, flags, 0x7ff /* STATX_BASIC_STATS */, b), "statx", name.Length == 0 ? "fd" : name);
        return new EntryStat(
            BitConverter.ToUInt16(b[28..30]),
            BitConverter.ToInt32(b[20..24]),
            BitConverter.ToInt32(b[24..28]),
            BitConverter.ToInt64(b[40..48]),
            Time(b[64..80]),
            Time(b[112..128]),
            BitConverter.ToUInt32(b[128..132]),
            BitConverter.ToUInt32(b[132..136]),
            BitConverter.ToUInt32(b[16..20]),
            BitConverter.ToUInt64(b[32..40]),
            BitConverter.ToUInt32(b[136..140]),
            BitConverter.ToUInt32(b[140..144]));

        static DateTimeOffset Time(ReadOnlySpan<byte> t) =>
            DateTimeOffset.FromUnixTimeSeconds(BitConverter.ToInt64(t[..8])).AddTicks(BitConverter.ToUInt32(t[8..12]) / 100);
    }

    /// <summary>The stat of an fd itself (statx with AT_EMPTY_PATH; works on O_PATH fds).</summary>
    public static EntryStat fstat(SafeFileHandle fd) => statx(fd, "", AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW);

    /// <summary>
    /// The names in the directory <paramref name="dir"/> (opened O_RDONLY|O_DIRECTORY), without "." and "..", via getdents64(2).
    /// Stops with an error after <paramref name="maxEntries"/> names.
    /// </summary>
    public static List<string> getdents64(SafeFileHandle dir, int maxEntries)
    {
        var names = new List<string>();
        var buffer = new byte[32 * 1024];
        while (true)
        {
            nint n = getdents64_(dir, buffer, (nuint)buffer.Length);
            if (n < 0) throw new LinuxFileException("getdents64", "fd", Marshal.GetLastPInvokeError());
            if (n == 0) return names;
            int pos = 0;
            while (pos < n)
            {
                ushort reclen = BitConverter.ToUInt16(buffer, pos + 16);
                var nameSpan = buffer.AsSpan(pos + 19, reclen - 19);
                int nul = nameSpan.IndexOf((byte)0);
                if (nul >= 0) nameSpan = nameSpan[..nul];
                pos += reclen;
                if (nameSpan.SequenceEqual("."u8) || nameSpan.SequenceEqual(".."u8)) continue;
                if (names.Count >= maxEntries) throw new LinuxFileException("getdents64", "fd", 7 /* E2BIG */);
                names.Add(Encoding.UTF8.GetString(nameSpan));
            }
        }
    }

    /// <summary>fgetxattr(2) on an open (not O_PATH) fd; null when the attribute is absent or not supported.</summary>
    public static byte[]? fgetxattr(SafeFileHandle fd, string name)
    {
        var buffer = new byte[64 * 1024];
        nint n = fgetxattr_(fd, name, buffer, (nuint)buffer.Length);
        if (n < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            if (errno is ENODATA or EOPNOTSUPP) return null;
            throw new LinuxFileException("fgetxattr", name, errno);
        }
        return buffer.AsSpan(0, (int)n).ToArray();
    }

    public static void fsetxattr(SafeFileHandle fd, string name, ReadOnlySpan<byte> value) =>
        Check(fsetxattr_(fd, name, value, (nuint)value.Length, 0), "fsetxattr", name);

    private static byte[] Utf8z(string s)
    {
        var bytes = new byte[Encoding.UTF8.GetByteCount(s) + 1];
        Encoding.UTF8.GetBytes(s, bytes);
        return bytes;
    }

    private static void Check(int result, string call, string path)
    {
        if (result < 0) throw new LinuxFileException(call, path, Marshal.GetLastPInvokeError());
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial long syscall(long number, nint a1, nint a2, nint a3, nint a4);

    [LibraryImport("libc", EntryPoint = "openat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int openat_(SafeFileHandle dir, string path, int flags, uint mode);

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int open_(string path, int flags, uint mode);

    [LibraryImport("libc", EntryPoint = "mkdirat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int mkdirat_(SafeFileHandle dir, string name, uint mode);

    [LibraryImport("libc", EntryPoint = "symlinkat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int symlinkat_(string target, SafeFileHandle dir, string name);

    [LibraryImport("libc", EntryPoint = "unlinkat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int unlinkat_(SafeFileHandle dir, string name, int flags);

    [LibraryImport("libc", EntryPoint = "fchownat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int fchownat_(SafeFileHandle dir, string name, int uid, int gid, int flags);

    [LibraryImport("libc", EntryPoint = "fchmod", SetLastError = true)]
    private static partial int fchmod_(SafeFileHandle fd, uint mode);

    [LibraryImport("libc", EntryPoint = "mknodat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int mknodat_(SafeFileHandle dir, string name, uint mode, ulong dev);

    [LibraryImport("libc", EntryPoint = "linkat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int linkat_(SafeFileHandle oldDir, string oldName, SafeFileHandle newDir, string newName, int flags);

    [LibraryImport("libc", EntryPoint = "utimensat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int utimensat_(SafeFileHandle dir, string name, ReadOnlySpan<long> times, int flags);

    [LibraryImport("libc", EntryPoint = "readlinkat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint readlinkat_(SafeFileHandle dir, string name, Span<byte> buffer, nuint size);

    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int statx_(SafeFileHandle dir, string name, int flags, uint mask, Span<byte> buffer);

    [LibraryImport("libc", EntryPoint = "getdents64", SetLastError = true)]
    private static partial nint getdents64_(SafeFileHandle dir, Span<byte> buffer, nuint size);

    [LibraryImport("libc", EntryPoint = "fgetxattr", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint fgetxattr_(SafeFileHandle fd, string name, Span<byte> value, nuint size);

    [LibraryImport("libc", EntryPoint = "fsetxattr", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int fsetxattr_(SafeFileHandle fd, string name, ReadOnlySpan<byte> value, nuint size, int flags);
}
