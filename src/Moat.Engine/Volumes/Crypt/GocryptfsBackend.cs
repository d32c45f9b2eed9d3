using Moat.Engine.Errors;

namespace Moat.Engine.Volumes.Crypt;

/// <summary>
/// gocryptfs over FUSE (Debian gocryptfs + fuse3): AES-256-GCM file contents, encrypted names, works on any kernel with
/// FUSE. The password is the volume key in hex, given on stdin; gocryptfs's own master key lives in gocryptfs.conf
/// wrapped by it, with a low scrypt cost because the password already is a random 256-bit secret.
/// </summary>
public sealed class GocryptfsBackend : IVolumeBackend
{
    public const string ConfigFile = "gocryptfs.conf";

    public string Name => "gocryptfs";
    public string Cipher => "AES-256-GCM";

    public void CheckAvailable()
    {
        if (CryptTool.Find("gocryptfs") is null)
            throw new UnsupportedException("the gocryptfs backend needs the gocryptfs program (Debian: apt-get install gocryptfs fuse3)");
        if (!File.Exists("/dev/fuse"))
            throw new UnsupportedException("the gocryptfs backend needs FUSE, but /dev/fuse does not exist (modprobe fuse)");
    }

    public void Initialize(string backingDir, ReadOnlySpan<byte> volumeKey)
    {
        Directory.CreateDirectory(backingDir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        Run(["-init", "-q", "-scryptn", "10", "--", backingDir], volumeKey, "initializing the encrypted volume");
    }

    public void Mount(string backingDir, string mountpoint, ReadOnlySpan<byte> volumeKey)
    {
        Directory.CreateDirectory(mountpoint, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        // allow_other: containers running as another uid can use it (as root, gocryptfs adds default_permissions so
        // the kernel checks file modes). gocryptfs forks a daemon that keeps serving after moatd exits (live-restore).
        Run(["-q", "-allow_other", "-nosuid", "-nodev", "-noprealloc", "--", backingDir, mountpoint], volumeKey, "unlocking the encrypted volume");
        if (MountTable.TypeOf(mountpoint) != "fuse.gocryptfs")
            throw new UnavailableException($"unlocking the encrypted volume: gocryptfs reported success but {mountpoint} is not mounted");
    }

    public void Unmount(string mountpoint)
    {
        for (int i = 0; i < 5 && MountTable.TypeOf(mountpoint) is not null; i++)
        {
            try
            {
                if (!Moat.Linux.Mounts.umount2(mountpoint, 0)) break;
            }
            catch (System.ComponentModel.Win32Exception e) when (e.NativeErrorCode == 107 /* ENOTCONN: the daemon died */)
            {
                Moat.Linux.Mounts.umount2(mountpoint, Moat.Linux.Mounts.MNT_DETACH);
            }
        }
    }

    public IEnumerable<string> KeyMaterial(string backingDir) => [Path.Combine(backingDir, ConfigFile)];

    private static void Run(IReadOnlyList<string> args, ReadOnlySpan<byte> volumeKey, string what)
    {
        // The password (the volume key in hex) goes over stdin, never on the command line (/proc/PID/cmdline).
        string tool = CryptTool.Find("gocryptfs") ?? throw new UnsupportedException("the gocryptfs backend needs the gocryptfs program (Debian: apt-get install gocryptfs fuse3)");
        CryptTool.Run(tool, args, volumeKey, withKey: true, what);
    }
}
