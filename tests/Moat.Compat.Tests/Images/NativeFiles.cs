using System.Runtime.InteropServices;

namespace Moat.Compat.Tests.Images;

/// <summary>What the image tests need to look at unpacked layers: xattrs, file types, and an overlay mount of the layers.</summary>
internal static partial class NativeFiles
{
    public static byte[]? GetXattr(string path, string name)
    {
        var buffer = new byte[4096];
        nint n = lgetxattr(path, name, buffer, (nuint)buffer.Length);
        return n < 0 ? null : buffer.AsSpan(0, (int)n).ToArray();
    }

    /// <summary>"character special file 0,0" style description from stat(1).</summary>
    public static async Task<string> StatAsync(string path)
    {
        var r = await Infrastructure.ProcessRunner.RunAsync("stat", ["-c", "%F %t,%T", path]);
        return r.Stdout.Trim();
    }

    public static void MountOverlay(string lowerdirs, string target)
    {
        if (mount("overlay", target, "overlay", 1 /* MS_RDONLY */, "lowerdir=" + lowerdirs) != 0)
            throw new IOException($"mount overlay failed: errno {Marshal.GetLastPInvokeError()}");
    }

    public static void Unmount(string target) => umount2(target, 2 /* MNT_DETACH */);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint lgetxattr(string path, string name, Span<byte> value, nuint size);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int mount(string source, string target, string fstype, ulong flags, string data);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int umount2(string target, int flags);
}
