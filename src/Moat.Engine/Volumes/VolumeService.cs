using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using Moat.Engine.AtRest;
using Moat.Engine.Containers;
using Moat.Engine.Errors;
using Moat.Engine.Events;

namespace Moat.Engine.Volumes;

/// <summary>
/// The volume drivers: local (one directory per volume under &lt;data-root&gt;/volumes, metadata in an
/// in-memory index persisted atomically next to the data) and crypt (VolumeService.Crypt.cs).
/// </summary>
public sealed partial class VolumeService
{
    public const string AnonymousLabel = "com.docker.volume.anonymous";

    private readonly object _gate = new();
    private readonly Dictionary<string, VolumeRecord> _volumes = new(StringComparer.Ordinal);
    private readonly EventBus _events;
    private readonly TimeProvider _time;
    private readonly ILogger<VolumeService> _logger;
    private readonly DataAtRest _atRest;
    private readonly string _execRoot;
    private IVolumeUsage? _usage;

    public VolumeService(ContainerOptions options, EventBus events, TimeProvider time, ILogger<VolumeService> logger, DataAtRest? atRest = null)
    {
        Root = Path.Combine(options.DataRoot, "volumes");
        _execRoot = options.ExecRoot;
        _atRest = atRest ?? DataAtRest.None;
        _events = events;
        _time = time;
        _logger = logger;
        Directory.CreateDirectory(Root);
        Load();
    }

    public string Root { get; }

    /// <summary>Set once by the container service (it depends on volumes, so it registers itself).</summary>
    public IVolumeUsage Usage
    {
        set => _usage = value;
    }

    [GeneratedRegex("^[a-zA-Z0-9][a-zA-Z0-9_.-]+$")]
    private static partial Regex ValidName();

    /// <summary>Where containers see the volume: _data for local volumes, the (unlocked) mount point for encrypted ones.</summary>
    public string DataPath(string name) =>
        TryGet(name) is { } record && IsEncrypted(record) ? EnsureMountPoint(name) : Path.Combine(Root, name, "_data");

    private void Load()
    {
        foreach (var dir in Directory.EnumerateDirectories(Root))
        {
            string file = Path.Combine(dir, "volume.json");
            if (!File.Exists(file)) continue;
            try
            {
                var record = JsonSerializer.Deserialize(File.ReadAllBytes(file), VolumeStoreJsonContext.Default.VolumeRecord);
                if (record is not null && record.Name.Length > 0) _volumes[record.Name] = record;
            }
            catch (Exception e) when (e is JsonException or IOException)
            {
                _logger.LogWarning(e, "skipping unreadable volume metadata {File}", file);
            }
        }
    }

    private void Save(VolumeRecord record) =>
        AtomicFile.Write(Path.Combine(Root, record.Name, "volume.json"), JsonSerializer.SerializeToUtf8Bytes(record, VolumeStoreJsonContext.Default.VolumeRecord));

    public static void ValidateName(string name)
    {
        if (name.Length < 2 && name.Length > 0 && char.IsAsciiLetterOrDigit(name[0]))
            throw new InvalidArgumentException($"create {name}: volume name is too short, names should be at least two alphanumeric characters");
        if (!ValidName().IsMatch(name))
            throw new InvalidArgumentException($"create {name}: \"{name}\" includes invalid characters for a local volume name, only \"[a-zA-Z0-9][a-zA-Z0-9_.-]\" are allowed. If you intended to pass a host directory, use absolute path");
    }

    /// <summary>Creates a volume, or returns the existing one of that name (dockerd's behaviour).</summary>
    public VolumeRecord Create(string? name, string? driver, IReadOnlyDictionary<string, string>? labels, IReadOnlyDictionary<string, string>? options, string? owner, bool anonymous = false)
    {
        if (string.IsNullOrEmpty(driver)) driver = _atRest.DefaultVolumeDriver;
        if (driver is not ("local" or DataAtRest.CryptDriver))
            throw new NotFoundException($"plugin \"{driver}\" not found");
        if (driver == "local" && options is { Count: > 0 })
            throw new InvalidArgumentException($"create {name}: moatd's local driver does not support options ({string.Join(", ", options.Keys)})");
        if (string.IsNullOrEmpty(name)) name = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
        else ValidateName(name);
        if (TryGet(name) is { } known) return known;
        var backend = driver == DataAtRest.CryptDriver ? CryptBackendFor(name, options) : null;

        VolumeRecord record;
        lock (_gate)
        {
            if (_volumes.TryGetValue(name, out var existing)) return existing;
            record = new VolumeRecord
            {
                Name = name,
                CreatedAt = _time.GetUtcNow(),
                Labels = labels is null ? [] : new Dictionary<string, string>(labels),
                Anonymous = anonymous,
                Owner = owner,
            };
            if (anonymous) record.Labels[AnonymousLabel] = "";
            if (backend is not null) InitializeCrypt(record, backend);
            else Directory.CreateDirectory(Path.Combine(Root, name, "_data"));
            Save(record);
            _volumes[name] = record;
        }
        _events.Publish("volume", "create", name, new Dictionary<string, string> { ["driver"] = record.Driver }, owner);
        return record;
    }

    public VolumeRecord Get(string name)
    {
        lock (_gate)
            return _volumes.TryGetValue(name, out var r) ? r : throw new NotFoundException($"get {name}: no such volume");
    }

    public VolumeRecord? TryGet(string name)
    {
        lock (_gate) return _volumes.GetValueOrDefault(name);
    }

    public IReadOnlyList<VolumeRecord> List()
    {
        lock (_gate) return [.. _volumes.Values];
    }

    public int RefCount(string name) => _usage?.ContainersUsing(name).Count ?? 0;

    public void Remove(string name, bool force)
    {
        VolumeRecord? record = TryGet(name);
        if (record is null)
        {
            if (force) return;
            throw new NotFoundException($"get {name}: no such volume");
        }
        var users = _usage?.ContainersUsing(name) ?? [];
        if (users.Count > 0)
            throw new ConflictException($"remove {name}: volume is in use - [{string.Join(", ", users)}]");
        Delete(record);
    }

    private void Delete(VolumeRecord record)
    {
        lock (_gate) _volumes.Remove(record.Name);
        if (IsEncrypted(record)) DestroyCrypt(record);
        try { Directory.Delete(Path.Combine(Root, record.Name), recursive: true); }
        catch (DirectoryNotFoundException) { }
        _events.Publish("volume", "destroy", record.Name, new Dictionary<string, string> { ["driver"] = record.Driver }, record.Owner);
    }

    /// <summary>Removes unused volumes that match; only anonymous ones unless <paramref name="all"/>.</summary>
    public (List<string> Deleted, long Reclaimed) Prune(Func<VolumeRecord, bool> match, bool all)
    {
        var deleted = new List<string>();
        long reclaimed = 0;
        foreach (var record in List())
        {
            if (!all && !record.Anonymous) continue;
            if (!match(record)) continue;
            if ((_usage?.ContainersUsing(record.Name).Count ?? 0) > 0) continue;
            reclaimed += DirectorySize(IsEncrypted(record) ? BackingDir(record.Name) : DataPath(record.Name));
            Delete(record);
            deleted.Add(record.Name);
        }
        _events.Publish("volume", "prune", "", new Dictionary<string, string> { ["reclaimed"] = reclaimed.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        return (deleted, reclaimed);
    }

    /// <summary>Docker's copy-up: on first use, an empty volume receives the image's content at the mount point.</summary>
    public async Task PopulateAsync(VolumeRecord record, string? imageDir, CancellationToken cancellationToken)
    {
        if (record.Populated) return;
        if (imageDir is not null && Directory.Exists(imageDir))
        {
            // An encrypted volume is copied into through its plaintext view: unlocked for the copy only.
            string? holder = IsEncrypted(record) ? "copy-up:" + Guid.NewGuid().ToString("N") : null;
            if (holder is not null) await MountForAsync(holder, [record.Name], cancellationToken);
            try
            {
                await CopyUpAsync(record, imageDir, cancellationToken);
            }
            finally
            {
                if (holder is not null) Release(holder);
            }
        }
        lock (_gate)
        {
            record.Populated = true;
            Save(record);
        }
    }

    private async Task CopyUpAsync(VolumeRecord record, string imageDir, CancellationToken cancellationToken)
    {
        string data = DataPath(record.Name);
        if (Directory.EnumerateFileSystemEntries(data).Any()) return;
        var psi = new ProcessStartInfo("cp", ["-a", "--", imageDir.TrimEnd('/') + "/.", data + "/"]) { RedirectStandardError = true, UseShellExecute = false };
        using var cp = Process.Start(psi)!;
        string err = await cp.StandardError.ReadToEndAsync(cancellationToken);
        await cp.WaitForExitAsync(cancellationToken);
        if (cp.ExitCode != 0) _logger.LogWarning("copying image content into volume {Name} failed: {Error}", record.Name, err);
    }

    public static long DirectorySize(string path)
    {
        long total = 0;
        try
        {
            var options = new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = FileAttributes.ReparsePoint, IgnoreInaccessible = true };
            foreach (var f in new DirectoryInfo(path).EnumerateFiles("*", options)) total += f.Length;
        }
        catch (DirectoryNotFoundException) { }
        return total;
    }
}
