using System.Collections.Concurrent;
using System.Text.Json;
using Moat.Engine.Errors;
using Moat.Engine.Runtime.Oci;
using Moat.Linux;

namespace Moat.Engine.Runtime;

/// <summary>The result of <see cref="RuntimeService.PrepareAsync"/>.</summary>
public sealed record PreparedContainer(string Id, string Bundle, string Rootfs, IReadOnlyList<string> Warnings);

/// <summary>
/// Everything below the container API: prepares a bundle (rootfs + config.json), runs it under runc with a
/// moat-shim monitor, and stops, waits for, inspects and removes it. State is on disk
/// (&lt;exec-root&gt;/moat/&lt;id&gt;/), so a new instance after a moatd restart picks up where the old one left off.
/// </summary>
public sealed partial class RuntimeService
{
    private readonly RuntimeOptions _options;
    private readonly OciRuntimeRegistry _runtimes;
    private readonly ContainerMonitor _monitor;
    private readonly CgroupReader _cgroups = new();
    private readonly StateDirWatcher _watcher = new();
    private readonly Storage.DirectoryTrash _trash;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<string, RuntimeRecord> _records = new(StringComparer.Ordinal);

    public RuntimeService(RuntimeOptions options, TimeProvider? time = null)
    {
        _options = options;
        _runtimes = new OciRuntimeRegistry(options);
        _monitor = new ContainerMonitor(options.ShimPath ?? ContainerMonitor.DefaultShimPath());
        _time = time ?? TimeProvider.System;
        _trash = new Storage.DirectoryTrash(Path.Combine(options.ExecRoot, "moat"));
    }

    public OciRuntimeRegistry Runtimes => _runtimes;

    /// <summary>&lt;exec-root&gt;/moat/&lt;id&gt;: the monitor's files (exit, attach, ctl) and runtime.json.</summary>
    public string StateDir(string id) => Path.Combine(_options.ExecRoot, "moat", id);

    /// <summary>The monitor's attach socket (Docker multiplexed frames out, raw stdin in; raw both ways with a TTY).</summary>
    public string AttachSocketPath(string id) => Path.Combine(StateDir(id), ContainerMonitor.AttachSocket);

    /// <summary>
    /// Makes the bundle: mounts the rootfs (overlay of <paramref name="rootfs"/>'s layers with upper "diff" and
    /// "work" in <paramref name="containerDir"/>, mounted at containerDir/rootfs), writes config.json, hosts,
    /// hostname and resolv.conf. Call it before every start (it is idempotent): after a reboot it mounts again.
    /// </summary>
    public Task<PreparedContainer> PrepareAsync(ContainerRuntimeConfig config, ContainerRootfs rootfs, string containerDir, string? runtimeName, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        OciSpecBuilder.ValidateId(config.Id);
        var runtime = _runtimes.Get(runtimeName);
        containerDir = Path.GetFullPath(containerDir);
        Directory.CreateDirectory(containerDir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        string rootfsPath;
        bool overlay = false, mountedNow = false;
        List<string> lowerDirs = [];
        switch (rootfs)
        {
            case ContainerRootfs.Overlay o:
                rootfsPath = Path.Combine(containerDir, "rootfs");
                overlay = true;
                lowerDirs = [.. o.LowerDirs];
                mountedNow = MountOverlay(o.LowerDirs, containerDir, rootfsPath);
                break;
            case ContainerRootfs.Directory d:
                rootfsPath = Path.GetFullPath(d.Path);
                if (!Directory.Exists(rootfsPath)) throw new InvalidArgumentException($"rootfs directory does not exist: {rootfsPath}");
                break;
            default:
                throw new ArgumentException("unknown rootfs kind", nameof(rootfs));
        }

        try
        {
            var result = OciSpecBuilder.Build(config, containerDir, rootfsPath, _options);
            // Prepared again before every start: unchanged files are not rewritten (no fsync on the start path).
            WriteSpec(config.Id, containerDir, JsonSerializer.SerializeToUtf8Bytes(result.Spec, OciJsonContext.Default.OciSpec));
            var record = NewRecord(config, runtime, containerDir);
            record.Rootfs = rootfsPath;
            record.Overlay = overlay;
            record.LowerDirs = lowerDirs;
            record.CgroupsPath = result.Spec.Linux.CgroupsPath!;
            SaveRecordIfChanged(record);
            return Task.FromResult(new PreparedContainer(config.Id, containerDir, rootfsPath, result.Warnings));
        }
        catch
        {
            if (mountedNow) Unmount(rootfsPath);
            throw;
        }
    }

    /// <summary>
    /// Records a new container without mounting or building anything (create): its rw layer dirs and runtime.json,
    /// so that <see cref="EnsureMounted"/> (docker cp/export before the first start) and removal work. The first
    /// <see cref="PrepareAsync"/> (start) builds the bundle.
    /// </summary>
    public void Register(ContainerRuntimeConfig config, ContainerRootfs rootfs, string containerDir, string? runtimeName)
    {
        OciSpecBuilder.ValidateId(config.Id);
        var runtime = _runtimes.Get(runtimeName);
        containerDir = Path.GetFullPath(containerDir);
        Directory.CreateDirectory(containerDir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var record = NewRecord(config, runtime, containerDir);
        switch (rootfs)
        {
            case ContainerRootfs.Overlay o:
                ValidateLayers(o.LowerDirs);
                record.Rootfs = Path.Combine(containerDir, "rootfs");
                record.Overlay = true;
                record.LowerDirs = [.. o.LowerDirs];
                foreach (var dir in new[] { "diff", "work", "rootfs" }) Directory.CreateDirectory(Path.Combine(containerDir, dir));
                break;
            case ContainerRootfs.Directory d:
                record.Rootfs = Path.GetFullPath(d.Path);
                if (!Directory.Exists(record.Rootfs)) throw new InvalidArgumentException($"rootfs directory does not exist: {record.Rootfs}");
                break;
            default:
                throw new ArgumentException("unknown rootfs kind", nameof(rootfs));
        }
        SaveRecordIfChanged(record);
    }

    private RuntimeRecord NewRecord(ContainerRuntimeConfig config, IOciRuntime runtime, string containerDir) => new()
    {
        Id = config.Id,
        Runtime = runtime.Name,
        Bundle = containerDir,
        CgroupsPath = config.CgroupsPath ?? $"{_options.CgroupParent.TrimEnd('/')}/{config.Id}",
        Terminal = config.Terminal,
        OpenStdin = config.OpenStdin,
        StdinOnce = config.StdinOnce,
        LogPath = config.LogPath is null ? Path.Combine(containerDir, config.Id + "-json.log") : config.LogPath.Length == 0 ? null : config.LogPath,
        LogMaxSize = config.LogMaxSize,
        LogMaxFile = config.LogMaxFile,
        LoopbackUp = config.NetworkNamespacePath is null && config.NetworkMode != NamespaceMode.Host,
    };

    private static void ValidateLayers(IReadOnlyList<string> lowerDirs)
    {
        if (lowerDirs.Count == 0) throw new InvalidArgumentException("an overlay rootfs needs at least one layer");
        foreach (var l in lowerDirs)
            if (!Path.IsPathFullyQualified(l) || l.Contains(':') || l.Contains(',') || !Directory.Exists(l))
                throw new InvalidArgumentException($"invalid layer directory: {l}");
    }

    /// <summary>
    /// Mounts a prepared container's rootfs again if it is not (a stopped container's is unmounted when it exits),
    /// for reads of a container that does not run: export, cp, diff, size. Returns the rootfs path.
    /// </summary>
    public string EnsureMounted(string id)
    {
        var record = Load(id);
        if (!record.Overlay) return record.Rootfs;
        if (record.LowerDirs.Count == 0) throw new ConflictException($"container {id}: its filesystem is not mounted (prepared by an older moatd; start it once)");
        lock (record)
        {
            try { MountOverlay(record.LowerDirs, record.Bundle, record.Rootfs); }
            catch (InvalidArgumentException e) { throw new ConflictException($"container {id}: its filesystem cannot be mounted: {e.Message}", e); }
        }
        return record.Rootfs;
    }

    private static bool MountOverlay(IReadOnlyList<string> lowerDirs, string containerDir, string target)
    {
        string upper = Path.Combine(containerDir, "diff"), work = Path.Combine(containerDir, "work");
        Directory.CreateDirectory(upper);
        Directory.CreateDirectory(work);
        Directory.CreateDirectory(target);
        if (IsMountPoint(target)) return false;
        ValidateLayers(lowerDirs);
        string data = $"lowerdir={string.Join(':', lowerDirs)},upperdir={upper},workdir={work}";
        if (File.Exists("/sys/module/overlay/parameters/index")) data += ",index=off";
        if (data.Length >= 4000) throw new UnsupportedException($"too many layers ({lowerDirs.Count}) for one overlay mount");
        try { Mounts.mount("overlay", target, "overlay", 0, data); }
        catch (System.ComponentModel.Win32Exception e) { throw new UnavailableException($"mounting the container's rootfs failed: {e.Message}", e); }
        return true;
    }

    /// <summary>Whether <paramref name="path"/> is a mount point (listed in /proc/self/mountinfo).</summary>
    internal static bool IsMountPoint(string path)
    {
        string full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(path));
        foreach (var m in Storage.MountInfo.Read())
            if (m.MountPoint == full) return true;
        return false;
    }

    /// <summary>
    /// Unmounts everything stacked on <paramref name="path"/>; true once nothing is (umount2 says EINVAL). A busy mount
    /// is detached (MNT_DETACH) when <paramref name="detachWhenBusy"/>, else left mounted.
    /// </summary>
    private static bool Unmount(string path, bool detachWhenBusy = true)
    {
        // Asking umount2 is one syscall; reading /proc/self/mountinfo costs as much as there are mounts.
        for (int i = 0; i < 10; i++)
        {
            try { if (!Mounts.umount2(path, 0)) return true; }
            catch (System.ComponentModel.Win32Exception)
            {
                if (!detachWhenBusy) return false;
                try { if (!Mounts.umount2(path, Mounts.MNT_DETACH)) return true; }
                catch (System.ComponentModel.Win32Exception) { return !IsMountPoint(path); }
            }
        }
        return !IsMountPoint(path);
    }

    private void SaveRecordIfChanged(RuntimeRecord record)
    {
        string dir = StateDir(record.Id);
        Directory.CreateDirectory(dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        AtomicFile.WriteIfChanged(Path.Combine(dir, "runtime.json"), JsonSerializer.SerializeToUtf8Bytes(record, OciJsonContext.Default.RuntimeRecord), UnixFileMode.UserRead | UnixFileMode.UserWrite);
        _records[record.Id] = record;
    }

    private RuntimeRecord? TryLoad(string id)
    {
        if (_records.TryGetValue(id, out var r)) return r;
        if (id.Contains('/') || id.Contains("..", StringComparison.Ordinal)) return null;
        try
        {
            var record = JsonSerializer.Deserialize(File.ReadAllText(Path.Combine(StateDir(id), "runtime.json")), OciJsonContext.Default.RuntimeRecord);
            if (record is null || record.Id != id) return null;
            return _records.GetOrAdd(id, record);
        }
        catch (IOException) { return null; }
        catch (JsonException) { return null; }
    }

    private RuntimeRecord Load(string id) =>
        TryLoad(id) ?? throw new RuntimeContainerNotFoundException($"No such container: {id}");
}
