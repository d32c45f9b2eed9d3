using System.Text.Json;
using Moat.Engine.Errors;
using Moat.Engine.Runtime.Oci;

namespace Moat.Engine.Runtime;

/// <summary>A started exec process.</summary>
/// <param name="AttachSocket">Its stdio, as the container's attach socket (output is held until the first client connects).</param>
public sealed record ExecStarted(string ExecId, int Pid, string AttachSocket);

public sealed partial class RuntimeService
{
    /// <summary>&lt;exec-root&gt;/moat-exec/&lt;exec id&gt;: an exec's monitor files (kept short for the socket path).</summary>
    public string ExecStateDir(string execId) => Path.Combine(_options.ExecRoot, "moat-exec", execId);

    /// <summary>
    /// Runs <paramref name="process"/> in the running container <paramref name="id"/> under its own monitor
    /// (native for runc and crun, see <see cref="NativeExec"/>; else `runtime exec --detach --process`): stdio on <see cref="ExecStarted.AttachSocket"/>, exit via <see cref="WaitExecAsync"/>.
    /// </summary>
    public async Task<ExecStarted> ExecAsync(string id, string execId, OciProcess process, bool openStdin, CancellationToken cancellationToken, bool holdOutput = true)
    {
        var record = Load(id);
        OciSpecBuilder.ValidateId(execId);
        // The monitor's files say whether init still runs: no `runc state` round trip on the exec path.
        string stateDir = StateDir(id);
        if (ContainerMonitor.RunningShimPid(stateDir) is null || ContainerMonitor.ReadExit(stateDir) is not null)
            throw new RuntimeStateException($"Container {id} is not running");
        string dir = ExecStateDir(execId);
        if (Directory.Exists(dir)) throw new RuntimeStateException($"exec {execId} already exists");
        Directory.CreateDirectory(dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        File.WriteAllText(Path.Combine(dir, "container"), id);
        var runtime = _runtimes.Get(record.Runtime);
        var launch = new MonitorLaunch(id, record.Bundle, dir, runtime, LogPath: null, 0, 1, process.Terminal == true, openStdin, StdinOnce: openStdin, LoopbackUp: false)
        {
            HoldOutput = holdOutput,
        };
        string configFile;
        if (NativeExec.Supports(runtime) && NativeExec.Covers(process) && ContainerMonitor.ReadPid(Path.Combine(stateDir, "init.pid")) is > 0 and var initPid)
        {
            // The monitor joins the container itself; the file holds the environment, so it lives only until the launch returns.
            configFile = Path.Combine(dir, "exec.conf");
            var spec = ReadSpec(record);
            List<NativeExec.CgroupDir> cgroups;
            try { cgroups = NativeExec.CgroupDirs(initPid); }
            catch (IOException) { throw new RuntimeStateException($"Container {id} is not running"); }
            NativeExec.CheckOwnCgroup(cgroups, record.CgroupsPath, id);
            string seccompCache = Path.Combine(_options.ExecRoot, "moat-seccomp");
            Directory.CreateDirectory(seccompCache, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            byte[] config = NativeExec.Build(process, spec, initPid, cgroups, seccompCache);
            using (var f = new FileStream(configFile, new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite }))
                f.Write(config);
            launch = launch with { ExecNativeFile = configFile };
        }
        else
        {
            configFile = Path.Combine(dir, "process.json");
            AtomicFile.Write(configFile, JsonSerializer.Serialize(process, OciJsonContext.Default.OciProcess), UnixFileMode.UserRead | UnixFileMode.UserWrite);
            launch = launch with { ExecProcessFile = configFile };
        }
        try
        {
            int pid = await _monitor.LaunchAsync(launch, cancellationToken);
            if (launch.ExecNativeFile is not null) File.Delete(configFile);
            return new ExecStarted(execId, pid, Path.Combine(dir, ContainerMonitor.AttachSocket));
        }
        catch
        {
            Directory.Delete(dir, recursive: true);
            throw;
        }
    }

    /// <summary>
    /// The process for `docker exec` in a prepared container, as Docker builds it: the container's process
    /// (capabilities, rlimits, no-new-privileges, env) with the exec's args, extra env, user and working dir; a
    /// privileged exec gets every capability moatd holds.
    /// </summary>
    public OciProcess BuildExecProcess(string id, IReadOnlyList<string> args, IReadOnlyList<string>? env, string? user, string? workingDir, bool terminal, bool privileged)
    {
        var record = Load(id);
        if (args.Count == 0) throw new InvalidArgumentException("No exec command specified");
        // A new process from the container's (the parsed spec is cached and shared: never changed here).
        var init = ReadSpec(record).Process;
        var p = new OciProcess
        {
            Terminal = terminal ? true : null,
            User = new OciUser { Uid = init.User.Uid, Gid = init.User.Gid, Umask = init.User.Umask, AdditionalGids = init.User.AdditionalGids is { } g ? [.. g] : null },
            Args = [.. args],
            Cwd = init.Cwd,
            Capabilities = init.Capabilities,
            Rlimits = init.Rlimits,
            NoNewPrivileges = init.NoNewPrivileges,
            ApparmorProfile = init.ApparmorProfile,
            OomScoreAdj = init.OomScoreAdj,
        };
        var merged = new List<string>(init.Env ?? []);
        foreach (var e in env ?? [])
        {
            string key = e.Split('=', 2)[0];
            merged.RemoveAll(x => x.Split('=', 2)[0] == key);
            merged.Add(e);
        }
        if (terminal && !merged.Any(e => e.StartsWith("TERM=", StringComparison.Ordinal))) merged.Add("TERM=xterm");
        p.Env = merged;
        if (!string.IsNullOrEmpty(workingDir)) p.Cwd = workingDir;
        if (!string.IsNullOrEmpty(user))
        {
            var u = UserResolver.Resolve(record.Rootfs, user);
            p.User = new OciUser { Uid = u.Uid, Gid = u.Gid, AdditionalGids = u.AdditionalGids.Count > 0 ? [.. u.AdditionalGids] : null };
        }
        if (privileged)
        {
            var all = Capabilities.HeldByDaemon.ToList();
            p.Capabilities = new OciCapabilities { Bounding = all, Effective = [.. all], Permitted = [.. all] };
        }
        return p;
    }

    /// <summary>Parsed config.json per bundle, while the file is unchanged (it is rewritten at every start): read-only.</summary>
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, (DateTime Written, long Length, OciSpec Spec)> _specs = new(StringComparer.Ordinal);

    /// <summary>The container's config.json, parsed once per version of the file (an exec reads it twice; parsing the seccomp profile is most of it).</summary>
    private OciSpec ReadSpec(RuntimeRecord record)
    {
        string path = Path.Combine(record.Bundle, "config.json");
        var info = new FileInfo(path);
        if (_specs.TryGetValue(record.Id, out var cached) && cached.Written == info.LastWriteTimeUtc && cached.Length == info.Length)
            return cached.Spec;
        var spec = JsonSerializer.Deserialize(File.ReadAllText(path), OciJsonContext.Default.OciSpec)
            ?? throw new InvalidOperationException("config.json is empty");
        _specs[record.Id] = (info.LastWriteTimeUtc, info.Length, spec);
        return spec;
    }

    /// <summary>The exec's exit code once it ended.</summary>
    public async Task<int> WaitExecAsync(string execId, CancellationToken cancellationToken)
    {
        string dir = ExecStateDir(execId);
        if (!Directory.Exists(dir)) throw new NotFoundException($"No such exec instance: {execId}");
        while (true)
        {
            if (ContainerMonitor.ReadExit(dir) is { } exit) return exit.ExitCode;
            if (ContainerMonitor.RunningShimPid(dir) is null && ContainerMonitor.ReadExit(dir) is null)
                return 255;
            await Task.Delay(PollInterval, _time, cancellationToken);
        }
    }

    /// <summary>Resizes an exec's TTY.</summary>
    public void ResizeExec(string execId, int height, int width)
    {
        if (height <= 0 || width <= 0 || height > ushort.MaxValue || width > ushort.MaxValue) throw new InvalidArgumentException("invalid terminal size");
        ContainerMonitor.Control(ExecStateDir(execId), $"resize {height} {width}");
    }

    /// <summary>Removes an ended exec's files.</summary>
    public void RemoveExec(string execId)
    {
        string dir = ExecStateDir(execId);
        if (Directory.Exists(dir) && ContainerMonitor.RunningShimPid(dir) is null) Directory.Delete(dir, recursive: true);
    }

    private void RemoveExecsOf(string id)
    {
        _specs.TryRemove(id, out _);
        string root = Path.Combine(_options.ExecRoot, "moat-exec");
        if (!Directory.Exists(root)) return;
        foreach (var dir in Directory.EnumerateDirectories(root))
        {
            string owner;
            try { owner = File.ReadAllText(Path.Combine(dir, "container")); }
            catch (IOException) { continue; }
            if (owner == id) Directory.Delete(dir, recursive: true);
        }
    }
}
