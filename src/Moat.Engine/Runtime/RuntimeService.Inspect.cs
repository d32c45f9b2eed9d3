namespace Moat.Engine.Runtime;

public sealed partial class RuntimeService
{
    /// <summary>
    /// After a moatd restart: every container this exec-root knows, with its status (runtime state), pid, and
    /// exit (monitor's file; 255 if it ended with nobody watching).
    /// </summary>
    public async Task<IReadOnlyList<RecoveredContainer>> RecoverAsync(CancellationToken cancellationToken)
    {
        var result = new List<RecoveredContainer>();
        string root = Path.Combine(_options.ExecRoot, "moat");
        if (!Directory.Exists(root)) return result;
        foreach (var dir in Directory.EnumerateDirectories(root))
        {
            string id = Path.GetFileName(dir);
            var record = TryLoad(id);
            if (record is null) continue;
            var exit = GetExit(id);
            var (status, pid) = await StateAsync(id, cancellationToken);
            if (exit is not null && status is RuntimeStatus.Running or RuntimeStatus.Paused)
                exit = null; // a restarted run whose new monitor has not cleared the old file yet
            if (exit is null && status == RuntimeStatus.Stopped)
                exit = new ContainerExit(255, _time.GetUtcNow(), _cgroups.OomKills(record.CgroupsPath) > 0);
            if (exit is not null) status = RuntimeStatus.Stopped;
            result.Add(new RecoveredContainer(id, status, pid, exit, record.Bundle, record.Runtime));
        }
        return result;
    }

    /// <summary>cgroup numbers of the container (zeros once it stopped and its cgroup is gone), and its network counters.</summary>
    public ContainerStats Stats(string id)
    {
        var record = Load(id);
        var stats = _cgroups.Stats(record.CgroupsPath, _time.GetUtcNow());
        string stateDir = StateDir(id);
        int pid = ContainerMonitor.RunningShimPid(stateDir) is null ? 0 : ContainerMonitor.ReadPid(Path.Combine(stateDir, "init.pid"));
        return stats with { Networks = NetworkCounters.ReadForProcess(pid) };
    }

    /// <summary>The container's processes (from its cgroup), as docker top lists them.</summary>
    public async Task<IReadOnlyList<ContainerProcess>> TopAsync(string id, CancellationToken cancellationToken)
    {
        var record = Load(id);
        var (status, _) = await StateAsync(id, cancellationToken);
        if (status is not (RuntimeStatus.Running or RuntimeStatus.Paused)) throw new RuntimeStateException($"Container {id} is not running");
        var list = new List<ContainerProcess>();
        foreach (int pid in _cgroups.Pids(record.CgroupsPath))
            if (ProcessTable.Read(pid) is { } p) list.Add(p);
        return list;
    }

    /// <summary>The cgroup path (cgroupfs, e.g. /moat/&lt;id&gt;) of a prepared container.</summary>
    public string CgroupsPath(string id) => Load(id).CgroupsPath;

    /// <summary>The json-file log, or null when logging is off.</summary>
    public string? LogPath(string id) => Load(id).LogPath;
}
