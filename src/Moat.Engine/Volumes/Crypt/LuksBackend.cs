using Moat.Engine.Errors;

namespace Moat.Engine.Volumes.Crypt;

/// <summary>
/// dm-crypt/LUKS2 through cryptsetup: the usual choice on production hosts. It needs the kernel's device-mapper; on a
/// kernel without it (`cryptsetup open` fails with "Cannot initialize device-mapper") the backend refuses at create
/// with that reason instead of failing later.
/// </summary>
public sealed class LuksBackend : IVolumeBackend
{
    public string Name => "luks";
    public string Cipher => "aes-xts-plain64";

    /// <summary>Whether the running kernel has device-mapper (a "device-mapper" misc device).</summary>
    public static bool KernelHasDeviceMapper()
    {
        try
        {
            return File.ReadLines("/proc/misc").Any(l => l.EndsWith(" device-mapper", StringComparison.Ordinal))
                || File.Exists("/dev/mapper/control");
        }
        catch (IOException)
        {
            return false;
        }
    }

    public void CheckAvailable()
    {
        if (!KernelHasDeviceMapper())
            throw new UnsupportedException("the luks backend needs dm-crypt, but this kernel has no device-mapper (no \"device-mapper\" in /proc/misc, no /dev/mapper/control); use --opt backend=gocryptfs");
        if (GocryptfsBackend.FindTool("cryptsetup") is null)
            throw new UnsupportedException("the luks backend needs cryptsetup (Debian: apt-get install cryptsetup-bin)");
        // Where device-mapper exists this build still has no LUKS volume layout; say so rather than half-work.
        throw new UnsupportedException("the luks backend is not available in this moatd build; use --opt backend=gocryptfs");
    }

    public void Initialize(string backingDir, ReadOnlySpan<byte> volumeKey) => throw Unavailable();
    public void Mount(string backingDir, string mountpoint, ReadOnlySpan<byte> volumeKey) => throw Unavailable();
    public void Unmount(string mountpoint) { }
    public IEnumerable<string> KeyMaterial(string backingDir) => [];

    private Exception Unavailable()
    {
        try { CheckAvailable(); }
        catch (UnsupportedException e) { return e; }
        return new UnsupportedException("the luks backend is not available");
    }
}
