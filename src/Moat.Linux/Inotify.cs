using System.Runtime.InteropServices;

namespace Moat.Linux;

/// <summary>inotify(7): the calls and the event layout. Failures throw <see cref="LinuxException"/> with errno.</summary>
public static partial class Inotify
{
    public const uint IN_CLOSE_WRITE = 0x00000008;
    public const uint IN_MOVED_TO = 0x00000080;
    public const uint IN_CREATE = 0x00000100;
    public const uint IN_DELETE_SELF = 0x00000400;
    public const uint IN_IGNORED = 0x00008000;
    public const uint IN_ONLYDIR = 0x01000000;
    public const int IN_CLOEXEC = 0x80000;

    /// <summary>sizeof(struct inotify_event) without its name.</summary>
    public const int EventHeaderSize = 16;

    private const int EINTR = 4;

    [LibraryImport("libc", EntryPoint = "inotify_init1", SetLastError = true)]
    private static partial int inotify_init1_(int flags);

    [LibraryImport("libc", EntryPoint = "inotify_add_watch", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int inotify_add_watch_(int fd, string pathname, uint mask);

    [LibraryImport("libc", EntryPoint = "inotify_rm_watch", SetLastError = true)]
    private static partial int inotify_rm_watch_(int fd, int wd);

    [LibraryImport("libc", EntryPoint = "read", SetLastError = true)]
    private static unsafe partial nint read_(int fd, byte* buf, nuint count);

    public static int inotify_init1(int flags)
    {
        int fd = inotify_init1_(flags);
        return fd >= 0 ? fd : throw LinuxException.FromErrno("inotify_init1");
    }

    /// <summary>Returns the watch descriptor.</summary>
    public static int inotify_add_watch(int fd, string pathname, uint mask)
    {
        int wd = inotify_add_watch_(fd, pathname, mask);
        return wd >= 0 ? wd : throw LinuxException.FromErrno("inotify_add_watch", pathname);
    }

    /// <summary>Removes a watch; a watch that is already gone (its directory deleted) is not an error.</summary>
    public static void inotify_rm_watch(int fd, int wd) => inotify_rm_watch_(fd, wd);

    /// <summary>Blocking read of events into <paramref name="buffer"/>; returns the byte count (retries EINTR).</summary>
    public static unsafe int read(int fd, Span<byte> buffer)
    {
        fixed (byte* p = buffer)
        {
            while (true)
            {
                nint n = read_(fd, p, (nuint)buffer.Length);
                if (n >= 0) return (int)n;
                if (Marshal.GetLastPInvokeError() != EINTR) throw LinuxException.FromErrno("read", "inotify");
            }
        }
    }
}
