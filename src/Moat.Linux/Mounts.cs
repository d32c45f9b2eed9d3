using System.ComponentModel;
using System.Runtime.InteropServices;

namespace Moat.Linux;

/// <summary>mount(2) and umount2(2). Failures throw Win32Exception carrying errno (NativeErrorCode).</summary>
public static partial class Mounts
{
    public const ulong MS_RDONLY = 1;
    public const ulong MS_NOSUID = 2;
    public const ulong MS_NODEV = 4;
    public const ulong MS_NOEXEC = 8;
    public const ulong MS_BIND = 4096;
    public const ulong MS_REC = 16384;
    public const ulong MS_PRIVATE = 1 << 18;

    public const int MNT_FORCE = 1;
    public const int MNT_DETACH = 2;

    public const int EINVAL = 22;
    public const int ENOENT = 2;

    [LibraryImport("libc", EntryPoint = "mount", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int mount_native(string source, string target, string? fstype, ulong flags, string? data);

    [LibraryImport("libc", EntryPoint = "umount2", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int umount2_native(string target, int flags);

    public static void mount(string source, string target, string? fstype, ulong flags, string? data)
    {
        if (mount_native(source, target, fstype, flags, data) != 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            throw new Win32Exception(errno, $"mount {fstype} on {target}: {Marshal.GetPInvokeErrorMessage(errno)}");
        }
    }

    /// <summary>Returns false when <paramref name="target"/> was not a mount point (EINVAL) or does not exist.</summary>
    public static bool umount2(string target, int flags)
    {
        if (umount2_native(target, flags) == 0) return true;
        int errno = Marshal.GetLastPInvokeError();
        if (errno is EINVAL or ENOENT) return false;
        throw new Win32Exception(errno, $"umount {target}: {Marshal.GetPInvokeErrorMessage(errno)}");
    }
}
