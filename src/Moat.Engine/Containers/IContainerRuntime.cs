namespace Moat.Engine.Containers;

/// <summary>
/// The OCI runtime layer as the container service drives it. The runtime owns bundles, the rw layer,
/// the process and its monitor; it writes the container's stdout/stderr to <see cref="RuntimeContainerSpec.LogPath"/>
/// as json-file lines (appending), and remembers exit codes across a moatd restart.
/// </summary>
public interface IContainerRuntime
{
    /// <summary>Records a new container and its rw layer (mounted for reads on demand, and by the start). Idempotent.</summary>
    Task PrepareAsync(RuntimeContainerSpec spec, CancellationToken cancellationToken);

    /// <summary>Starts (or restarts) the container's process; returns its host pid. Errors carry runc's message (the CLI maps "executable file not found" to 127).</summary>
    Task<int> StartAsync(RuntimeContainerSpec spec, CancellationToken cancellationToken);

    /// <summary>Completes when the current process exits.</summary>
    Task<RuntimeExit> WaitAsync(string id, CancellationToken cancellationToken);

    Task KillAsync(string id, int signal, CancellationToken cancellationToken);
    /// <summary>Applies the spec's resource limits (memory, CPU, pids) to the running container (docker update).</summary>
    Task UpdateAsync(RuntimeContainerSpec spec, CancellationToken cancellationToken);
    Task PauseAsync(string id, CancellationToken cancellationToken);
    Task ResumeAsync(string id, CancellationToken cancellationToken);

    /// <summary>
    /// The container's process has exited (or it was only created): drop its runtime state and unmount its rootfs
    /// now, so that removing it later costs only deleting directories. Not for a container that runs.
    /// </summary>
    Task ReleaseAsync(string id, CancellationToken cancellationToken);

    /// <summary>Removes everything the runtime holds for the container (process state, bundle, rw layer).</summary>
    Task DeleteAsync(string id, CancellationToken cancellationToken);

    /// <summary>After a moatd restart: is the container's process still there, or how did it end?</summary>
    Task<RuntimeStatus> RecoverAsync(string id, CancellationToken cancellationToken);

    Task<RuntimeStats> StatsAsync(string id, CancellationToken cancellationToken);
    Task<IReadOnlyList<int>> PidsAsync(string id, CancellationToken cancellationToken);

    /// <summary>The container's merged root filesystem (for export, cp and size), mounted again if it was released.</summary>
    string? RootfsPath(string id);
}

public sealed record RuntimeExit(int ExitCode, DateTimeOffset FinishedAt, bool OomKilled = false);

public enum RuntimeState { Unknown, Running, Paused, Stopped }

public sealed record RuntimeStatus(RuntimeState State, int Pid = 0, RuntimeExit? Exit = null);

public sealed record RuntimeStats(
    ulong CpuUsageNanos, ulong SystemCpuNanos, int OnlineCpus,
    ulong MemoryUsage, ulong MemoryLimit, ulong PidsCurrent, ulong PidsLimit)
{
    public ulong CpuUserNanos { get; init; }
    public ulong CpuKernelNanos { get; init; }
    public IReadOnlyList<ulong> PerCpuNanos { get; init; } = [];
    public ulong ThrottlingPeriods { get; init; }
    public ulong ThrottledPeriods { get; init; }
    public ulong ThrottledTimeNanos { get; init; }
    public ulong MemoryMaxUsage { get; init; }
    public ulong MemoryFailcnt { get; init; }
    /// <summary>memory.stat as the cgroup reports it (v1: cache, total_inactive_file…; v2: anon, inactive_file…).</summary>
    public IReadOnlyDictionary<string, ulong> MemoryStat { get; init; } = new Dictionary<string, ulong>();
    /// <summary>Bytes and operations per device and op ("read", "write", …).</summary>
    public IReadOnlyList<RuntimeBlkio> IoServiceBytes { get; init; } = [];
    public IReadOnlyList<RuntimeBlkio> IoServiced { get; init; } = [];
    /// <summary>The container's network interfaces (loopback excluded).</summary>
    public IReadOnlyList<RuntimeNetwork> Networks { get; init; } = [];
}

public sealed record RuntimeBlkio(long Major, long Minor, string Op, ulong Value);

public sealed record RuntimeNetwork(
    string Interface, ulong RxBytes, ulong RxPackets, ulong RxErrors, ulong RxDropped,
    ulong TxBytes, ulong TxPackets, ulong TxErrors, ulong TxDropped);

/// <summary>Everything the runtime needs to build an OCI spec and a rootfs.</summary>
public sealed record RuntimeContainerSpec
{
    public required string Id { get; init; }
    public required IReadOnlyList<string> LowerDirs { get; init; }
    /// <summary>HostConfig.Runtime (docker run --runtime): a name from "runtimes"; null for the default runtime.</summary>
    public string? Runtime { get; init; }
    public required IReadOnlyList<string> Args { get; init; }
    public IReadOnlyList<string> Env { get; init; } = [];
    public string WorkingDir { get; init; } = "/";
    public string User { get; init; } = "";
    public string Hostname { get; init; } = "";
    public string Domainname { get; init; } = "";
    public bool Tty { get; init; }
    public bool OpenStdin { get; init; }
    /// <summary>Close the container's stdin when the first attached client's input ends (docker run -i).</summary>
    public bool StdinOnce { get; init; }
    public bool Privileged { get; init; }
    public bool ReadonlyRootfs { get; init; }
    public IReadOnlyList<string> CapAdd { get; init; } = [];
    public IReadOnlyList<string> CapDrop { get; init; } = [];
    /// <summary>no-new-privileges: on unless the caller asked for it off (Moat's default differs from dockerd).</summary>
    public bool NoNewPrivileges { get; init; } = true;
    /// <summary>null = the built-in default profile; "unconfined"; otherwise a profile's JSON text.</summary>
    public string? SeccompProfile { get; init; }
    public long Memory { get; init; }
    public long NanoCpus { get; init; }
    public long CpuShares { get; init; }
    public long? PidsLimit { get; init; }
    public IReadOnlyList<RuntimeUlimit> Ulimits { get; init; } = [];
    public IReadOnlyList<RuntimeMount> Mounts { get; init; } = [];
    /// <summary>Host path of docker-init when the container runs it as PID 1 (--init); null otherwise.</summary>
    public string? InitPath { get; init; }
    public long ShmSize { get; init; } = 64 * 1024 * 1024;
    /// <summary>"none", "host" or "default" (own network namespace with loopback only).</summary>
    public string NetworkMode { get; init; } = "default";
    public required string LogPath { get; init; }
    public IReadOnlyDictionary<string, string> LogOptions { get; init; } = new Dictionary<string, string>();
    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();
    public IReadOnlyDictionary<string, string> Sysctls { get; init; } = new Dictionary<string, string>();
}

public sealed record RuntimeUlimit(string Name, long Soft, long Hard);

/// <summary>A mount in the OCI spec: Type "bind" or "tmpfs", with its options ("rbind", "ro", "size=…").</summary>
public sealed record RuntimeMount(string Type, string Source, string Destination, IReadOnlyList<string> Options);

/// <summary>Until a runtime is registered: containers can be created but not started.</summary>
public sealed class NoContainerRuntime : IContainerRuntime
{
    private static Exception Missing() => new Errors.UnavailableException("no container runtime is configured");
    public Task PrepareAsync(RuntimeContainerSpec spec, CancellationToken cancellationToken) => Task.CompletedTask;
    public Task<int> StartAsync(RuntimeContainerSpec spec, CancellationToken cancellationToken) => throw Missing();
    public Task<RuntimeExit> WaitAsync(string id, CancellationToken cancellationToken) => throw Missing();
    public Task KillAsync(string id, int signal, CancellationToken cancellationToken) => throw Missing();
    public Task UpdateAsync(RuntimeContainerSpec spec, CancellationToken cancellationToken) => throw Missing();
    public Task PauseAsync(string id, CancellationToken cancellationToken) => throw Missing();
    public Task ResumeAsync(string id, CancellationToken cancellationToken) => throw Missing();
    public Task ReleaseAsync(string id, CancellationToken cancellationToken) => Task.CompletedTask;
    public Task DeleteAsync(string id, CancellationToken cancellationToken) => Task.CompletedTask;
    public Task<RuntimeStatus> RecoverAsync(string id, CancellationToken cancellationToken) => Task.FromResult(new RuntimeStatus(RuntimeState.Unknown));
    public Task<RuntimeStats> StatsAsync(string id, CancellationToken cancellationToken) => throw Missing();
    public Task<IReadOnlyList<int>> PidsAsync(string id, CancellationToken cancellationToken) => throw Missing();
    public string? RootfsPath(string id) => null;
}
