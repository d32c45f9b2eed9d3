using System.Security.Cryptography;
using System.Text;
using Moat.Engine.Errors;
using Moat.Linux;

namespace Moat.Engine.Volumes.Crypt;

/// <summary>
/// dm-crypt/LUKS2 through cryptsetup, the usual choice on production hosts: a sparse image file (volume.img) with
/// an ext4 file system, encrypted with aes-xts-plain64 under the volume key, and its LUKS2 header kept apart in
/// luks.header so that crypto-erase (docker volume rm) destroys one small file. The key reaches cryptsetup on stdin
/// (--key-file=-); its key-derivation cost is low because the passphrase already is a random 256-bit secret. It
/// needs the kernel's device-mapper: on a kernel without it (`cryptsetup open` fails with "Cannot initialize
/// device-mapper") the backend refuses at create with that reason instead of failing later.
/// </summary>
public sealed class LuksBackend : IVolumeBackend
{
    public const string ImageFile = "volume.img";
    public const string HeaderFile = "luks.header";

    /// <summary>The image's apparent size (sparse: only what is written takes space). ext4 grows into it.</summary>
    public const long ImageBytes = 64L << 30;

    public string Name => "luks";
    private const string CipherName = "aes-xts-plain64";
    public string Cipher => CipherName;

    /// <summary>Whether the running kernel has device-mapper (a "device-mapper" misc device).</summary>
    public static bool KernelHasDeviceMapper()
    {
        try
        {
            // Not /dev/mapper/control: libdevmapper creates that node itself, even on a kernel without device-mapper.
            return File.ReadLines("/proc/misc").Any(l => l.EndsWith(" device-mapper", StringComparison.Ordinal))
                || Directory.Exists("/sys/class/misc/device-mapper");
        }
        catch (IOException)
        {
            return false;
        }
    }

    public void CheckAvailable()
    {
        if (!KernelHasDeviceMapper())
            throw new UnsupportedException("the luks backend needs dm-crypt, but this kernel has no device-mapper (no \"device-mapper\" in /proc/misc; try modprobe dm_mod); use --opt backend=gocryptfs");
        if (CryptTool.Find("cryptsetup") is null)
            throw new UnsupportedException("the luks backend needs cryptsetup (Debian: apt-get install cryptsetup-bin)");
        if (CryptTool.Find("mkfs.ext4") is null)
            throw new UnsupportedException("the luks backend needs mkfs.ext4 (Debian: apt-get install e2fsprogs)");
    }

    /// <summary>The device-mapper name of the volume mounted at <paramref name="mountpoint"/>: short, stable, unique.</summary>
    public static string MapperName(string mountpoint) =>
        "moat-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Path.GetFullPath(mountpoint))))[..24];

    public void Initialize(string backingDir, ReadOnlySpan<byte> volumeKey)
    {
        CheckAvailable();
        Format(backingDir, volumeKey);
        string image = Path.Combine(backingDir, ImageFile), header = Path.Combine(backingDir, HeaderFile);
        string name = "moat-init-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
        Open(image, header, name, volumeKey);
        try
        {
            CryptTool.Run(CryptTool.Find("mkfs.ext4")!, ["-q", "-F", "-m", "0", "-E", "lazy_itable_init=1,lazy_journal_init=1", "/dev/mapper/" + name],
                default, withKey: false, "making the encrypted volume's file system");
        }
        finally
        {
            Close(name);
        }
    }

    /// <summary>The sparse image and its detached LUKS2 header (needs cryptsetup, not device-mapper).</summary>
    internal static void Format(string backingDir, ReadOnlySpan<byte> volumeKey)
    {
        Directory.CreateDirectory(backingDir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        string image = Path.Combine(backingDir, ImageFile), header = Path.Combine(backingDir, HeaderFile);
        using (var f = new FileStream(image, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            f.SetLength(ImageBytes);
        using (var f = new FileStream(header, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            f.SetLength(16L << 20);
        File.SetUnixFileMode(image, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.SetUnixFileMode(header, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        Cryptsetup(["luksFormat", "--batch-mode", "--type", "luks2", "--cipher", CipherName, "--key-size", "512",
            "--pbkdf", "pbkdf2", "--pbkdf-force-iterations", "1000", "--header", header, "--key-file=-", image],
            volumeKey, "formatting the encrypted volume");
    }

    /// <summary>Whether <paramref name="volumeKey"/> opens the volume's header (cryptsetup --test-passphrase; no device-mapper needed).</summary>
    internal static bool KeyOpens(string backingDir, ReadOnlySpan<byte> volumeKey)
    {
        try
        {
            Cryptsetup(["open", "--test-passphrase", "--type", "luks2", "--header", Path.Combine(backingDir, HeaderFile), "--key-file=-",
                Path.Combine(backingDir, ImageFile)], volumeKey, "checking the key");
            return true;
        }
        catch (UnavailableException)
        {
            return false;
        }
    }

    public void Mount(string backingDir, string mountpoint, ReadOnlySpan<byte> volumeKey)
    {
        CheckAvailable();
        Directory.CreateDirectory(mountpoint, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        string name = MapperName(mountpoint);
        if (!File.Exists("/dev/mapper/" + name))
            Open(Path.Combine(backingDir, ImageFile), Path.Combine(backingDir, HeaderFile), name, volumeKey);
        try
        {
            Mounts.mount("/dev/mapper/" + name, mountpoint, "ext4", Mounts.MS_NOSUID | Mounts.MS_NODEV, null);
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            Close(name);
            throw new UnavailableException($"unlocking the encrypted volume: mounting it failed: {e.Message}", e);
        }
    }

    public void Unmount(string mountpoint)
    {
        for (int i = 0; i < 5 && MountTable.TypeOf(mountpoint) is not null; i++)
            if (!Mounts.umount2(mountpoint, 0)) break;
        // Closing the mapping takes the key out of the kernel.
        string name = MapperName(mountpoint);
        if (File.Exists("/dev/mapper/" + name)) Close(name);
    }

    /// <summary>The detached LUKS header holds the only copy of the wrapped data key: erasing it erases the volume.</summary>
    public IEnumerable<string> KeyMaterial(string backingDir) => [Path.Combine(backingDir, HeaderFile)];

    private void Open(string image, string header, string name, ReadOnlySpan<byte> volumeKey) =>
        Cryptsetup(["open", "--type", "luks2", "--header", header, "--key-file=-", image, name], volumeKey, "unlocking the encrypted volume");

    private static void Close(string name)
    {
        try { CryptTool.Run(CryptTool.Find("cryptsetup")!, ["close", name], default, withKey: false, "locking the encrypted volume"); }
        catch (UnavailableException) { }
    }

    private static void Cryptsetup(IReadOnlyList<string> args, ReadOnlySpan<byte> key, string what) =>
        CryptTool.Run(CryptTool.Find("cryptsetup") ?? throw new UnsupportedException("the luks backend needs cryptsetup (Debian: apt-get install cryptsetup-bin)"),
            args, key, withKey: true, what);
}
