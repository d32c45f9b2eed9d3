using System.ComponentModel;
using System.Runtime.InteropServices;

namespace Moat.Linux;

/// <summary>A device node as stat(2) reports it.</summary>
public readonly record struct DeviceNode(char Type, long Major, long Minor, uint Mode, uint Uid, uint Gid);

/// <summary>stat(2) of device nodes (struct stat layouts of x86_64 and the generic 64-bit ABI).</summary>
public static partial class DeviceNodes
{
    private const uint S_IFMT = 0xF000, S_IFCHR = 0x2000, S_IFBLK = 0x6000;

    [LibraryImport("libc", EntryPoint = "stat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial int stat_native(string path, byte* buf);

    /// <summary>The node at <paramref name="path"/> (symlinks followed), or null if it is not a device.</summary>
    public static unsafe DeviceNode? stat(string path)
    {
        byte* buf = stackalloc byte[256];
        if (stat_native(path, buf) != 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            throw new Win32Exception(errno, $"stat {path}: {Marshal.GetPInvokeErrorMessage(errno)}");
        }
        bool x64 = RuntimeInformation.ProcessArchitecture == Architecture.X64;
        // x86_64: dev 8, ino 8, nlink 8, mode 4, uid 4, gid 4, pad 4, rdev 8. Generic: dev 8, ino 8, mode 4, nlink 4, uid 4, gid 4, rdev 8.
        uint mode = *(uint*)(buf + (x64 ? 24 : 16));
        uint uid = *(uint*)(buf + (x64 ? 28 : 24));
        uint gid = *(uint*)(buf + (x64 ? 32 : 28));
        ulong rdev = *(ulong*)(buf + (x64 ? 40 : 32));
        char type = (mode & S_IFMT) switch { S_IFCHR => 'c', S_IFBLK => 'b', _ => '\0' };
        if (type == '\0') return null;
        long major = (long)(((rdev >> 32) & 0xfffff000) | ((rdev >> 8) & 0xfff));
        long minor = (long)(((rdev >> 12) & 0xffffff00) | (rdev & 0xff));
        return new DeviceNode(type, major, minor, mode & 0xFFF, uid, gid);
    }
}
