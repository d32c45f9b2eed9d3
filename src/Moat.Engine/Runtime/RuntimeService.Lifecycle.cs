using Moat.Engine.Errors;
using Moat.Engine.Runtime.Oci;

namespace Moat.Engine.Runtime;

public sealed partial class RuntimeService
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan ShimPollInterval = TimeSpan.FromMilliseconds(10);
    private static readonly TimeSpan LivenessInterval = TimeSpan.FromSeconds(1);
    public const int SIGKILL = 9;
    public const int SIGTERM = 15;

    /// <summary>
    /// Creates the container under a new monitor (runc create): its process exists but waits for
    /// <see cref="StartAsync"/>, and the attach socket is ready, so an attach made now misses no output (docker run
    /// attaches before it starts). A stopped previous run is cleared first. Returns init's host pid.
    /// </summary>
    public async Task<int> CreateAsync(string id, CancellationToken cancellationToken) =>
        (await LaunchAsync(id, run: false, cancellationToken)).Pid;

    /// <summary>
    /// Under a new monitor, `create` (<paramref name="run"/> false) or `run --detach` (create and start in one runtime
    /// process); a container that is already created under a live monitor is left for `start`.
    /// </summary>
    private async Task<(int Pid, bool Started)> LaunchAsync(string id, bool run, CancellationToken cancellationToken)
    {
        var record = Load(id);
        var runtime = _runtimes.Get(record.Runtime);
        string stateDir = StateDir(id);
        // A fresh (or released) container has no runtime state: nothing to ask the runtime or clear.
        if (runtime.HasState(id)) try
        {
            var state = await runtime.StateAsync(id, cancellationToken);
            if (state.Status is "running" or "paused" or "pausing")
                throw new RuntimeStateException($"container {id} is already running");
            if (state.Status == "created" && ContainerMonitor.RunningShimPid(stateDir) is not null)
                return (state.Pid, false);
            await runtime.DeleteAsync(id, force: true, cancellationToken);
            await WaitForShimExitAsync(stateDir, TimeSpan.FromSeconds(5), cancellationToken);
        }
        catch (RuntimeContainerNotFoundException) { }

        // runc brings up a new network namespace's loopback itself (specconv); with other runtimes the monitor
        // does it between create and start, so the process never sees it down.
        run &= !record.LoopbackUp || runtime is RuncRuntime;
        int pid = await _monitor.LaunchAsync(new MonitorLaunch(
            id, record.Bundle, stateDir, runtime, record.LogPath, record.LogMaxSize, record.LogMaxFile,
            record.Terminal, record.OpenStdin, record.StdinOnce, record.LoopbackUp) { Run = run, HoldOutput = run && HasPendingAttaches(id) }, cancellationToken);
        return (pid, run);
    }

    /// <summary>
    /// Starts the container's process, creating it first unless <see cref="CreateAsync"/> already did; returns once
    /// it runs, with its host pid. If the start fails the container is removed from the runtime again.
    /// </summary>
    public async Task<int> StartAsync(string id, CancellationToken cancellationToken)
    {
        var record = Load(id);
        var runtime = _runtimes.Get(record.Runtime);
        int pid;
        try
        {
            // One runtime process (`run --detach`) instead of `create` + `start` unless CreateAsync already created it.
            // Attaches made before the start (docker run) connect now: after `create` and before `start`, or, after
            // `run --detach`, to a monitor that holds the output until the first of them is connected.
            (pid, bool started) = await LaunchAsync(id, run: true, cancellationToken);
            ConnectPendingAttaches(id);
            if (!started) await runtime.StartAsync(id, CancellationToken.None);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            if (runtime.HasState(id))
                try { await runtime.DeleteAsync(id, force: true, CancellationToken.None); } catch (MoatException) { } catch (OciRuntimeException) { }
            throw;
        }
        return pid;
    }

    /// <summary>The runtime's status and init pid (0 when not running); Unknown when the runtime has no such container.</summary>
    public async Task<(RuntimeStatus Status, int Pid)> StateAsync(string id, CancellationToken cancellationToken)
    {
        var record = Load(id);
        var runtime = _runtimes.Get(record.Runtime);
        if (!runtime.HasState(id)) return (RuntimeStatus.Unknown, 0);
        try
        {
            var state = await runtime.StateAsync(id, cancellationToken);
            var status = MapStatus(state.Status);
            return (status, status is RuntimeStatus.Running or RuntimeStatus.Paused or RuntimeStatus.Created ? state.Pid : 0);
        }
        catch (RuntimeContainerNotFoundException) { return (RuntimeStatus.Unknown, 0); }
    }

    internal static RuntimeStatus MapStatus(string status) => status switch
    {
        "created" => RuntimeStatus.Created,
        "running" => RuntimeStatus.Running,
        "paused" or "pausing" => RuntimeStatus.Paused,
        "stopped" => RuntimeStatus.Stopped,
        _ => RuntimeStatus.Unknown,
    };

    /// <summary>Sends <paramref name="signal"/> to the container's init.</summary>
    public async Task KillAsync(string id, int signal, CancellationToken cancellationToken)
    {
        var record = Load(id);
        try { await _runtimes.Get(record.Runtime).KillAsync(id, signal, all: false, cancellationToken); }
        catch (RuntimeContainerNotFoundException) { throw new RuntimeStateException($"Container {id} is not running"); }
    }

    /// <summary>
    /// Docker's stop: <paramref name="signal"/> (SIGTERM), then SIGKILL to every process once
    /// <paramref name="timeout"/> passes (negative = wait forever); returns how it exited.
    /// </summary>
    public async Task<ContainerExit?> StopAsync(string id, int signal, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var record = Load(id);
        var runtime = _runtimes.Get(record.Runtime);
        var (status, _) = await StateAsync(id, cancellationToken);
        if (status == RuntimeStatus.Stopped) return GetExit(id) ?? await WaitAsync(id, cancellationToken);
        if (status is not (RuntimeStatus.Running or RuntimeStatus.Paused or RuntimeStatus.Created)) return GetExit(id);
        try
        {
            await runtime.KillAsync(id, signal, all: false, cancellationToken);
            if (status == RuntimeStatus.Paused) await runtime.ResumeAsync(id, cancellationToken);
        }
        catch (RuntimeStateException) { }
        catch (RuntimeContainerNotFoundException) { }

        using (var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            if (timeout >= TimeSpan.Zero) cts.CancelAfter(timeout);
            try { return await WaitAsync(id, cts.Token); }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested) { }
        }
        try { await runtime.KillAsync(id, SIGKILL, all: true, cancellationToken); }
        catch (RuntimeStateException) { }
        catch (RuntimeContainerNotFoundException) { }
        return await WaitAsync(id, cancellationToken);
    }

    public async Task PauseAsync(string id, CancellationToken cancellationToken)
    {
        var record = Load(id);
        await _runtimes.Get(record.Runtime).PauseAsync(id, cancellationToken);
    }

    public async Task ResumeAsync(string id, CancellationToken cancellationToken)
    {
        var record = Load(id);
        await _runtimes.Get(record.Runtime).ResumeAsync(id, cancellationToken);
    }

    /// <summary>New cgroup limits for a live container (docker update).</summary>
    public async Task UpdateAsync(string id, OciResources resources, CancellationToken cancellationToken)
    {
        var record = Load(id);
        await _runtimes.Get(record.Runtime).UpdateAsync(id, resources, cancellationToken);
    }

    /// <summary>The recorded exit, or null when the container has not exited.</summary>
    public ContainerExit? GetExit(string id)
    {
        var record = Load(id);
        var exit = ContainerMonitor.ReadExit(StateDir(id));
        return exit is null ? null : new ContainerExit(exit.ExitCode, exit.FinishedAt, _cgroups.OomKills(record.CgroupsPath) > 0);
    }

    /// <summary>
    /// Waits until the container's init exits and returns its exit. Works across moatd restarts: the exit comes
    /// from the monitor's file. A container whose monitor died without writing one ends with 255.
    /// </summary>
    public async Task<ContainerExit> WaitAsync(string id, CancellationToken cancellationToken)
    {
        var record = Load(id);
        string stateDir = StateDir(id);
        var runtime = _runtimes.Get(record.Runtime);
        var lastCheck = _time.GetUtcNow();
        while (true)
        {
            // Register for the monitor's rename of "exit" before looking for it, so it cannot slip in between.
            var changed = _watcher.Next(stateDir);
            if (GetExit(id) is { } exit) return exit;
            // Every ~second, make sure someone is still going to write the file.
            if (_time.GetUtcNow() - lastCheck >= LivenessInterval && ContainerMonitor.RunningShimPid(stateDir) is null && ContainerMonitor.ReadExit(stateDir) is null)
            {
                bool alive;
                try { alive = MapStatus((await runtime.StateAsync(id, cancellationToken)).Status) is RuntimeStatus.Running or RuntimeStatus.Paused or RuntimeStatus.Created; }
                catch (RuntimeContainerNotFoundException) { alive = false; }
                if (!alive) return new ContainerExit(255, _time.GetUtcNow(), _cgroups.OomKills(record.CgroupsPath) > 0);
                lastCheck = _time.GetUtcNow();
            }
            await Task.WhenAny(changed, Task.Delay(LivenessInterval, _time, cancellationToken));
            cancellationToken.ThrowIfCancellationRequested();
        }
    }

    /// <summary>
    /// Removes the container from the runtime (killing it if it still runs), unmounts its rootfs and deletes its
    /// state dir; with <paramref name="removeBundle"/> also the container dir (its writable layer).
    /// </summary>
    public async Task DeleteAsync(string id, bool removeBundle, CancellationToken cancellationToken)
    {
        var record = Load(id);
        var runtime = _runtimes.Get(record.Runtime);
        string stateDir = StateDir(id);
        // A released container (see ReleaseAsync) has no runtime state and no monitor: only directories are left.
        if (runtime.HasState(id))
        {
            try { await runtime.DeleteAsync(id, force: true, cancellationToken); }
            catch (RuntimeContainerNotFoundException) { }
        }
        await WaitForShimExitAsync(stateDir, TimeSpan.FromSeconds(10), cancellationToken);
        if (record.Overlay && !Unmount(record.Rootfs)) throw new ConflictException($"the rootfs of {id} is still mounted");
        _trash.Discard(stateDir);
        RemoveExecsOf(id);
        _records.TryRemove(id, out _);
        if (removeBundle && Directory.Exists(record.Bundle)) Directory.Delete(record.Bundle, recursive: true);
    }

    /// <summary>
    /// After the container's process exited: drops what the runtime holds for it (cgroups, runtime state; the
    /// monitor's exit file stays) and unmounts its rootfs, so removing it later is only deleting directories.
    /// <see cref="EnsureMounted"/> mounts the rootfs again for reads (export, cp); the next start prepares it anyway.
    /// Idempotent; a container that still runs is not touched.
    /// </summary>
    public async Task ReleaseAsync(string id, CancellationToken cancellationToken)
    {
        var record = Load(id);
        var runtime = _runtimes.Get(record.Runtime);
        string stateDir = StateDir(id);
        // A monitor that has not recorded an exit yet watches a live process. (Once it has, it only closes its
        // sockets and exits: nothing it does conflicts with what follows.)
        if (ContainerMonitor.ReadExit(stateDir) is null && ContainerMonitor.RunningShimPid(stateDir) is not null) return;
        await runtime.ReleaseStoppedAsync(id, cancellationToken);
        // Someone reading the filesystem (export) keeps it: removal or the next start deals with it then.
        if (record.Overlay) Unmount(record.Rootfs, detachWhenBusy: false);
    }

    private async Task WaitForShimExitAsync(string stateDir, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = _time.GetUtcNow() + timeout;
        while (ContainerMonitor.RunningShimPid(stateDir) is not null && _time.GetUtcNow() < deadline)
            await Task.Delay(ShimPollInterval, _time, cancellationToken);
    }

    /// <summary>Resizes the container's TTY.</summary>
    public void Resize(string id, int height, int width)
    {
        Load(id);
        if (height <= 0 || width <= 0 || height > ushort.MaxValue || width > ushort.MaxValue) throw new InvalidArgumentException("invalid terminal size");
        ContainerMonitor.Control(StateDir(id), $"resize {height} {width}");
    }

    /// <summary>Closes the container's stdin (the attached client sent EOF).</summary>
    public void CloseStdin(string id)
    {
        Load(id);
        ContainerMonitor.Control(StateDir(id), "close-stdin");
    }
}
