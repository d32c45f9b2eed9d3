namespace Moat.Engine.Runtime;

/// <summary>The runtime's view of a container's lifecycle.</summary>
public enum RuntimeStatus { Unknown, Created, Running, Paused, Stopped }

/// <summary>How a container ended.</summary>
/// <param name="ExitCode">Exit status; 128+N when signal N killed it; 255 when it ended while nobody watched.</param>
public sealed record ContainerExit(int ExitCode, DateTimeOffset FinishedAt, bool OomKilled);

/// <summary>A container found on disk after a moatd restart.</summary>
/// <param name="Pid">Init's host pid while it runs.</param>
/// <param name="Exit">Set when it has exited.</param>
public sealed record RecoveredContainer(string Id, RuntimeStatus Status, int Pid, ContainerExit? Exit, string Bundle, string RuntimeName);

/// <summary>One process of a container (docker top).</summary>
/// <param name="StartTimeTicks">Start after boot, in clock ticks (USER_HZ, 100/s).</param>
/// <param name="CpuTimeTicks">utime + stime in clock ticks.</param>
/// <param name="TtyNr">Controlling terminal (dev_t) or 0.</param>
public sealed record ContainerProcess(
    int Pid, int Ppid, uint Uid, uint Gid, char State, string Command, IReadOnlyList<string> Args,
    long StartTimeTicks, long CpuTimeTicks, long RssBytes, long VszBytes, long TtyNr);

/// <summary>A blkio counter (cgroup v1 blkio.throttle.*), per device and operation.</summary>
public sealed record BlkioEntry(long Major, long Minor, string Op, ulong Value);

/// <summary>Resource usage of a container from its cgroups (what docker stats shows).</summary>
public sealed record ContainerStats
{
    public DateTimeOffset Read { get; init; }
    public ulong CpuTotalNs { get; init; }
    public IReadOnlyList<ulong> PerCpuNs { get; init; } = [];
    public ulong CpuUserNs { get; init; }
    public ulong CpuKernelNs { get; init; }
    /// <summary>All CPUs' time of the host (as /proc/stat), ns.</summary>
    public ulong SystemCpuNs { get; init; }
    public uint OnlineCpus { get; init; }
    public ulong ThrottlingPeriods { get; init; }
    public ulong ThrottledPeriods { get; init; }
    public ulong ThrottledTimeNs { get; init; }
    public ulong MemoryUsage { get; init; }
    public ulong MemoryMaxUsage { get; init; }
    public ulong MemoryLimit { get; init; }
    public ulong MemoryFailcnt { get; init; }
    public IReadOnlyDictionary<string, ulong> MemoryStat { get; init; } = new Dictionary<string, ulong>();
    public ulong PidsCurrent { get; init; }
    /// <summary>null = unlimited.</summary>
    public ulong? PidsLimit { get; init; }
    public IReadOnlyList<BlkioEntry> IoServiceBytes { get; init; } = [];
    public IReadOnlyList<BlkioEntry> IoServiced { get; init; } = [];
    /// <summary>The container's network interfaces (not loopback; none with the host's network).</summary>
    public IReadOnlyList<NetworkCounters> Networks { get; init; } = [];
}
