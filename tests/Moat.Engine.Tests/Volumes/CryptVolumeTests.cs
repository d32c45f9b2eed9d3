using Microsoft.Extensions.Logging.Abstractions;
using Moat.Engine.AtRest;
using Moat.Engine.Containers;
using Moat.Engine.Errors;
using Moat.Engine.Events;
using Moat.Engine.Volumes;
using Moat.Security.AtRest;

namespace Moat.Engine.Tests.Volumes;

/// <summary>The crypt driver against the real gocryptfs (scripts/deps.sh installs gocryptfs and fuse3).</summary>
public sealed class CryptVolumeTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("moat-crypt-").FullName;
    private readonly MasterKey _key = MasterKey.Generate();
    private readonly List<VolumeService> _services = [];

    private ContainerOptions Options => new() { DataRoot = Path.Combine(_root, "data"), ExecRoot = Path.Combine(_root, "exec") };

    private VolumeService Volumes(MasterKey? key, string defaultDriver = "local")
    {
        var service = new VolumeService(Options, new EventBus(TimeProvider.System), TimeProvider.System, NullLogger<VolumeService>.Instance,
            new DataAtRest(key, null, key is null ? "no key in this test" : null, defaultDriver));
        _services.Add(service);
        return service;
    }

    public void Dispose()
    {
        foreach (var s in _services) s.Release("c1");
        foreach (var line in File.ReadAllLines("/proc/self/mountinfo"))
        {
            var mountPoint = line.Split(' ')[4];
            if (mountPoint.StartsWith(_root, StringComparison.Ordinal)) Moat.Linux.Mounts.umount2(mountPoint, Moat.Linux.Mounts.MNT_DETACH);
        }
        _key.Dispose();
        Directory.Delete(_root, recursive: true);
    }

    private static bool Mounted(string path) =>
        File.ReadAllLines("/proc/self/mountinfo").Any(l => l.Split(' ')[4] == path);

    [Fact]
    public async Task Create_Mount_Write_Release_DataEncryptedAndLocked()
    {
        var volumes = Volumes(_key);
        var record = volumes.Create("secret", "crypt", null, null, null);
        Assert.Equal("crypt", record.Driver);
        Assert.Equal("gocryptfs", record.Options["backend"]);
        Assert.Equal("AES-256-GCM", record.Options["cipher"]);
        string mountpoint = volumes.DataPath("secret");
        Assert.StartsWith(Path.Combine(_root, "exec"), mountpoint);
        // Other host users cannot reach an unlocked volume's plaintext: the mount root is root-only.
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(Path.GetDirectoryName(mountpoint)!));

        await volumes.MountForAsync("c1", ["secret"], CancellationToken.None);
        Assert.True(Mounted(mountpoint));
        File.WriteAllText(Path.Combine(mountpoint, "note.txt"), "plain-marker-123");
        volumes.Release("c1");

        Assert.False(Mounted(mountpoint));
        Assert.Empty(Directory.EnumerateFileSystemEntries(mountpoint));
        foreach (var file in Directory.EnumerateFiles(Path.Combine(_root, "data"), "*", SearchOption.AllDirectories))
            Assert.DoesNotContain("plain-marker-123", System.Text.Encoding.Latin1.GetString(File.ReadAllBytes(file)));

        await volumes.MountForAsync("c2", ["secret"], CancellationToken.None);
        Assert.Equal("plain-marker-123", File.ReadAllText(Path.Combine(mountpoint, "note.txt")));
        volumes.Release("c2");
    }

    [Fact]
    public async Task Create_OverLeftoversOfACrashedCreate_StartsAfresh()
    {
        string dir = Path.Combine(_root, "data", "volumes", "again");
        Directory.CreateDirectory(Path.Combine(dir, "crypt"));
        File.WriteAllText(Path.Combine(dir, "crypt", "gocryptfs.conf"), "{}");
        File.WriteAllText(Path.Combine(dir, "volume-key.sealed"), "junk");

        var volumes = Volumes(_key);
        volumes.Create("again", "crypt", null, null, null);
        await volumes.MountForAsync("c1", ["again"], CancellationToken.None);
        Assert.Empty(Directory.EnumerateFileSystemEntries(volumes.DataPath("again")));
        volumes.Release("c1");
    }

    [Fact]
    public async Task Mount_TwoHolders_StaysUntilTheLastReleases()
    {
        var volumes = Volumes(_key);
        volumes.Create("shared", "crypt", null, null, null);
        string mountpoint = volumes.DataPath("shared");
        await volumes.MountForAsync("a", ["shared"], CancellationToken.None);
        await volumes.MountForAsync("b", ["shared"], CancellationToken.None);
        volumes.Release("a");
        Assert.True(Mounted(mountpoint));
        volumes.Release("b");
        Assert.False(Mounted(mountpoint));
    }

    [Fact]
    public async Task Mount_WithoutMasterKey_ClearErrorAndNothingLost()
    {
        Volumes(_key).Create("kept", "crypt", null, null, null);
        string keyFile = Path.Combine(_root, "data", "volumes", "kept", "volume-key.sealed");
        byte[] before = File.ReadAllBytes(keyFile);

        var withoutKey = Volumes(null);
        var e = await Assert.ThrowsAsync<MasterKeyMissingException>(() => withoutKey.MountForAsync("c1", ["kept"], CancellationToken.None));
        Assert.Contains("cannot unlock encrypted volume \"kept\": moatd has no master key (no key in this test)", e.Message);
        Assert.Equal(before, File.ReadAllBytes(keyFile));
        Assert.NotNull(withoutKey.TryGet("kept"));
    }

    [Fact]
    public void Create_WithoutMasterKey_Refused()
    {
        var e = Assert.Throws<MasterKeyMissingException>(() => Volumes(null).Create("nokey", "crypt", null, null, null));
        Assert.Contains("cannot create an encrypted volume", e.Message);
        Assert.False(Directory.Exists(Path.Combine(_root, "data", "volumes", "nokey")));
    }

    [Fact]
    public void Create_DefaultDriverCrypt_EncryptsVolumesWithoutADriver()
    {
        var volumes = Volumes(_key, defaultDriver: "crypt");
        Assert.Equal("crypt", volumes.Create("auto", null, null, null, null).Driver);
        Assert.Equal("local", volumes.Create("explicit", "local", null, null, null).Driver);
    }

    [Fact]
    public void Create_Luks_ClearErrorOnThisKernel()
    {
        var e = Assert.Throws<UnsupportedException>(() => Volumes(_key).Create("lk", "crypt", null, new Dictionary<string, string> { ["backend"] = "luks" }, null));
        // A fact of this VM: its kernel has no device-mapper (LuksBackendTests covers what runs without it).
        Assert.False(Moat.Engine.Volumes.Crypt.LuksBackend.KernelHasDeviceMapper());
        Assert.Contains("the luks backend needs dm-crypt, but this kernel has no device-mapper", e.Message);
        Assert.False(Directory.Exists(Path.Combine(_root, "data", "volumes", "lk")));
    }

    [Theory]
    [InlineData("backend", "zfs", "unknown encryption backend \"zfs\"")]
    [InlineData("size", "1G", "does not support option \"size\"")]
    public void Create_BadOptions_Refused(string key, string value, string message)
    {
        var e = Assert.Throws<InvalidArgumentException>(() => Volumes(_key).Create("bad", "crypt", null, new Dictionary<string, string> { [key] = value }, null));
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public async Task Remove_CryptoErasesKeysBeforeData()
    {
        var volumes = Volumes(_key);
        volumes.Create("gone", "crypt", null, null, null);
        await volumes.MountForAsync("c1", ["gone"], CancellationToken.None);
        File.WriteAllText(Path.Combine(volumes.DataPath("gone"), "f"), "x");
        volumes.Release("c1");
        string dir = Path.Combine(_root, "data", "volumes", "gone");
        Assert.True(File.Exists(Path.Combine(dir, "crypt", "gocryptfs.conf")));

        volumes.Remove("gone", force: false);

        Assert.False(Directory.Exists(dir));
        Assert.False(Directory.Exists(Path.Combine(_root, "exec", "moat-volumes", "gone")));
    }

    [Fact]
    public async Task LockUnclaimed_UnmountsWhatNobodyClaimsAfterARestart()
    {
        var first = Volumes(_key);
        first.Create("stale", "crypt", null, null, null);
        first.Create("inuse", "crypt", null, null, null);
        await first.MountForAsync("dead", ["stale"], CancellationToken.None);
        await first.MountForAsync("alive", ["inuse"], CancellationToken.None);

        // A new service as after a moatd crash: "alive" is re-adopted (still mounted), "stale" nobody claims.
        var second = Volumes(_key);
        await second.MountForAsync("alive", ["inuse"], CancellationToken.None);
        second.LockUnclaimed();

        Assert.False(Mounted(second.DataPath("stale")));
        Assert.True(Mounted(second.DataPath("inuse")));
        second.Release("alive");
        Assert.False(Mounted(second.DataPath("inuse")));
    }
}
