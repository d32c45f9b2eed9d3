using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Moat.Engine.AtRest;
using Moat.Engine.Errors;
using Moat.Engine.Volumes.Crypt;
using Moat.Security.AtRest;

namespace Moat.Engine.Volumes;

/// <summary>
/// The crypt driver: volumes/&lt;name&gt;/ holds volume.json, volume-key.sealed (the random 256-bit volume key wrapped
/// by the master key) and crypt/ (the backend's ciphertext). The plaintext view is mounted at
/// &lt;exec-root&gt;/moat-volumes/&lt;name&gt; only while a running container (or a copy-up) uses the volume.
/// </summary>
public sealed partial class VolumeService
{
    public const string BackendOption = "backend";
    public const string CipherOption = "cipher";
    private const string KeyFile = "volume-key" + SealedFile.Extension;
    private const string BackingDirName = "crypt";

    private static readonly IReadOnlyDictionary<string, IVolumeBackend> Backends = new Dictionary<string, IVolumeBackend>(StringComparer.Ordinal)
    {
        ["gocryptfs"] = new GocryptfsBackend(),
        ["luks"] = new LuksBackend(),
    };

    private readonly SemaphoreSlim _mountGate = new(1, 1);
    /// <summary>Mounted crypt volume → who holds it (container ids, or a copy-up's token).</summary>
    private readonly Dictionary<string, HashSet<string>> _claims = new(StringComparer.Ordinal);

    public static bool IsEncrypted(VolumeRecord record) => record.Driver == DataAtRest.CryptDriver;

    private string MountRoot => Path.Combine(_execRoot, "moat-volumes");
    private string MountPath(string name) => Path.Combine(MountRoot, name);

    /// <summary>
    /// The mount point exists even while the volume is locked, because a container's spec is checked at create; the
    /// start hook mounts it before the container runs, so nothing is ever written to the empty directory.
    /// </summary>
    private string EnsureMountPoint(string name)
    {
        // The mount root is root-only: an unlocked volume's plaintext is not reachable for other users of the host.
        const UnixFileMode RootOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
        Directory.CreateDirectory(MountRoot, RootOnly);
        if (File.GetUnixFileMode(MountRoot) != RootOnly) File.SetUnixFileMode(MountRoot, RootOnly);
        string path = MountPath(name);
        Directory.CreateDirectory(path, RootOnly);
        return path;
    }
    private string BackingDir(string name) => Path.Combine(Root, name, BackingDirName);
    private static string KeyPurpose(string name) => "volume-key:" + name;

    private static IVolumeBackend Backend(VolumeRecord record) =>
        Backends.GetValueOrDefault(record.Options.GetValueOrDefault(BackendOption, "gocryptfs"))
        ?? throw new InvalidArgumentException($"volume {record.Name}: unknown encryption backend \"{record.Options.GetValueOrDefault(BackendOption)}\"");

    /// <summary>Checks the create options and the host; returns the backend. Only "backend" is an option.</summary>
    private static IVolumeBackend CryptBackendFor(string name, IReadOnlyDictionary<string, string>? options)
    {
        foreach (var key in options?.Keys ?? [])
            if (key != BackendOption)
                throw new InvalidArgumentException($"create {name}: the crypt driver does not support option \"{key}\" (only backend=gocryptfs|luks)");
        string backendName = options?.GetValueOrDefault(BackendOption) is { Length: > 0 } b ? b : "gocryptfs";
        var backend = Backends.GetValueOrDefault(backendName)
            ?? throw new InvalidArgumentException($"create {name}: unknown encryption backend \"{backendName}\" (use gocryptfs or luks)");
        try { backend.CheckAvailable(); }
        catch (UnsupportedException e) { throw new UnsupportedException($"create {name}: {e.Message}", e); }
        return backend;
    }

    /// <summary>Makes a new encrypted volume's key and store; the caller holds <c>_gate</c> and saves the record afterwards.</summary>
    private void InitializeCrypt(VolumeRecord record, IVolumeBackend backend)
    {
        var master = _atRest.Require($"create {record.Name}: cannot create an encrypted volume");
        byte[] volumeKey = RandomNumberGenerator.GetBytes(32);
        string dir = Path.Combine(Root, record.Name);
        if (File.Exists(Path.Combine(dir, "volume.json")))
            throw new ConflictException($"create {record.Name}: {dir} holds a volume whose metadata cannot be read; moatd leaves it alone");
        if (Directory.Exists(dir))
        {
            // Left by a create that crashed before volume.json was written: erase its keys, start afresh.
            SealedFile.Destroy(Path.Combine(dir, KeyFile));
            foreach (var file in backend.KeyMaterial(BackingDir(record.Name))) SealedFile.Destroy(file);
            Directory.Delete(dir, recursive: true);
        }
        try
        {
            Directory.CreateDirectory(dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            SealedFile.WriteFile(master, Path.Combine(dir, KeyFile), KeyPurpose(record.Name), volumeKey);
            backend.Initialize(BackingDir(record.Name), volumeKey);
        }
        catch
        {
            try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
            throw;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(volumeKey);
        }
        record.Driver = DataAtRest.CryptDriver;
        record.Options = new Dictionary<string, string> { [BackendOption] = backend.Name, [CipherOption] = backend.Cipher };
    }

    /// <summary>
    /// Unlocks the encrypted volumes among <paramref name="names"/> for <paramref name="holder"/> (a container id): mounts the
    /// ones not mounted yet. Plain volumes are ignored. All or nothing: on an error the ones mounted now are released.
    /// </summary>
    public async Task MountForAsync(string holder, IEnumerable<string> names, CancellationToken cancellationToken)
    {
        var encrypted = names.Distinct(StringComparer.Ordinal).Select(TryGet).OfType<VolumeRecord>().Where(IsEncrypted).ToList();
        if (encrypted.Count == 0) return;
        await _mountGate.WaitAsync(cancellationToken);
        var claimedNow = new List<string>();
        try
        {
            foreach (var record in encrypted)
            {
                if (!_claims.TryGetValue(record.Name, out var holders))
                {
                    await Task.Run(() => Unlock(record), cancellationToken);
                    _claims[record.Name] = holders = new HashSet<string>(StringComparer.Ordinal);
                }
                if (holders.Add(holder)) claimedNow.Add(record.Name);
            }
        }
        catch
        {
            foreach (var name in claimedNow) ReleaseLocked(name, holder);
            throw;
        }
        finally
        {
            _mountGate.Release();
        }
    }

    /// <summary>The holder no longer uses its encrypted volumes; the ones nobody holds any more are locked (unmounted).</summary>
    public void Release(string holder)
    {
        _mountGate.Wait();
        try
        {
            foreach (var name in _claims.Where(c => c.Value.Contains(holder)).Select(c => c.Key).ToList())
                ReleaseLocked(name, holder);
        }
        finally
        {
            _mountGate.Release();
        }
    }

    private void ReleaseLocked(string name, string holder)
    {
        if (!_claims.TryGetValue(name, out var holders)) return;
        holders.Remove(holder);
        if (holders.Count > 0) return;
        _claims.Remove(name);
        Lock(name);
    }

    /// <summary>
    /// After the containers were recovered (they re-claimed what they use): lock every encrypted volume still mounted
    /// from before a crash that nobody claims, and remove stale mount points.
    /// </summary>
    public void LockUnclaimed()
    {
        if (!Directory.Exists(MountRoot)) return;
        _mountGate.Wait();
        try
        {
            var mounted = MountTable.Below(MountRoot);
            foreach (var dir in Directory.EnumerateDirectories(MountRoot))
            {
                string name = Path.GetFileName(dir);
                if (_claims.ContainsKey(name)) continue;
                if (mounted.ContainsKey(dir)) Log.StaleMount(_logger, name);
                Lock(name);
            }
        }
        finally
        {
            _mountGate.Release();
        }
    }

    private void Unlock(VolumeRecord record)
    {
        string mountpoint = MountPath(record.Name);
        if (MountTable.TypeOf(mountpoint) is { } type)
        {
            // Mounted before a moatd restart (live-restore): adopt it if its FUSE daemon still answers.
            try
            {
                _ = Directory.EnumerateFileSystemEntries(mountpoint).Take(1).ToList();
                Log.Adopted(_logger, record.Name, type);
                return;
            }
            catch (IOException)
            {
                Backend(record).Unmount(mountpoint);
            }
        }
        var master = _atRest.Require($"cannot unlock encrypted volume \"{record.Name}\"");
        byte[] volumeKey;
        try
        {
            volumeKey = SealedFile.OpenFile(master, Path.Combine(Root, record.Name, KeyFile), KeyPurpose(record.Name));
        }
        catch (Exception e) when (e is AtRestException or IOException)
        {
            throw new UnavailableException($"cannot unlock encrypted volume \"{record.Name}\": {e.Message}", e);
        }
        try
        {
            EnsureMountPoint(record.Name);
            if (Directory.Exists(mountpoint) && Directory.EnumerateFileSystemEntries(mountpoint).Any())
                throw new UnavailableException($"cannot unlock encrypted volume \"{record.Name}\": its mount point {mountpoint} is not empty");
            Backend(record).Mount(BackingDir(record.Name), mountpoint, volumeKey);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(volumeKey);
        }
        Log.Unlocked(_logger, record.Name);
    }

    private void Lock(string name)
    {
        string mountpoint = MountPath(name);
        var record = TryGet(name);
        try
        {
            if (MountTable.TypeOf(mountpoint) is not null)
            {
                if (record is not null) Backend(record).Unmount(mountpoint);
                else new GocryptfsBackend().Unmount(mountpoint);
            }
            if (record is null && MountTable.TypeOf(mountpoint) is null && Directory.Exists(mountpoint)) Directory.Delete(mountpoint, recursive: false);
            Log.Locked(_logger, name);
        }
        catch (Exception e) when (e is IOException or System.ComponentModel.Win32Exception or UnauthorizedAccessException)
        {
            Log.LockFailed(_logger, name, e);
        }
    }

    /// <summary>docker volume rm of an encrypted volume: lock it, crypto-erase its keys, then the data goes with the directory.</summary>
    private void DestroyCrypt(VolumeRecord record)
    {
        _mountGate.Wait();
        try
        {
            _claims.Remove(record.Name);
            Lock(record.Name);
            if (MountTable.TypeOf(MountPath(record.Name)) is null && Directory.Exists(MountPath(record.Name))) Directory.Delete(MountPath(record.Name));
            SealedFile.Destroy(Path.Combine(Root, record.Name, KeyFile));
            foreach (var file in Backend(record).KeyMaterial(BackingDir(record.Name))) SealedFile.Destroy(file);
        }
        finally
        {
            _mountGate.Release();
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 5101, Level = LogLevel.Information, Message = "encrypted volume {Name} unlocked")]
        public static partial void Unlocked(ILogger logger, string name);

        [LoggerMessage(EventId = 5102, Level = LogLevel.Information, Message = "encrypted volume {Name} locked")]
        public static partial void Locked(ILogger logger, string name);

        [LoggerMessage(EventId = 5103, Level = LogLevel.Warning, Message = "locking encrypted volume {Name} failed")]
        public static partial void LockFailed(ILogger logger, string name, Exception e);

        [LoggerMessage(EventId = 5104, Level = LogLevel.Information, Message = "encrypted volume {Name} was still mounted ({Type}); adopted")]
        public static partial void Adopted(ILogger logger, string name, string type);

        [LoggerMessage(EventId = 5105, Level = LogLevel.Warning, Message = "encrypted volume {Name} was left mounted (moatd crashed?) and no container uses it; locking it")]
        public static partial void StaleMount(ILogger logger, string name);
    }
}
