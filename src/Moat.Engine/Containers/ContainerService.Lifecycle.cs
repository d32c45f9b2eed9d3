using Microsoft.Extensions.Logging;
using Moat.Engine.Errors;

namespace Moat.Engine.Containers;

public sealed partial class ContainerService
{
    public async Task StartAsync(string idOrName, CancellationToken cancellationToken)
    {
        var record = _store.Get(idOrName);
        var handle = Handle(record.Id);
        await handle.Lock.WaitAsync(cancellationToken);
        try
        {
            switch (record.State.Status)
            {
                case ContainerStatus.Running:
                    throw new NotModifiedException();
                case ContainerStatus.Paused:
                    throw new ConflictException("cannot start a paused container, try unpause instead");
                case ContainerStatus.Removing or ContainerStatus.Dead:
                    throw new ConflictException($"container is marked for removal and cannot be started");
                case ContainerStatus.Restarting:
                    handle.RestartDelay?.Cancel();
                    break;
            }
            record.HasBeenManuallyStopped = false;
            await StartLockedAsync(record, handle, cancellationToken);
        }
        finally
        {
            handle.Lock.Release();
        }
    }

    private async Task StartLockedAsync(ContainerRecord record, ContainerHandle handle, CancellationToken cancellationToken)
    {
        int pid;
        try
        {
            await BeforeStartAtRestAsync(record, cancellationToken);
            pid = await _runtime.StartAsync(BuildSpec(record), cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            AfterExitAtRest(record);
            string message = e.Message;
            record.State.Error = message;
            record.State.ExitCode = message.Contains("executable file not found", StringComparison.Ordinal) || message.Contains("no such file or directory", StringComparison.Ordinal) ? 127
                : message.Contains("permission denied", StringComparison.Ordinal) ? 126 : 128;
            if (record.State.Status == ContainerStatus.Restarting) record.State.Status = ContainerStatus.Exited;
            Save(record);
            Publish(record, "die", new() { ["exitCode"] = record.State.ExitCode.ToString(System.Globalization.CultureInfo.InvariantCulture) });
            if (record.HostConfig.AutoRemove)
                _ = Task.Run(() => RemoveAfterExitAsync(record));
            if (e is MoatException) throw;
            throw new ContainerStartException(message, e);
        }
        var now = _time.GetUtcNow();
        record.State.Status = ContainerStatus.Running;
        record.State.Pid = pid;
        record.State.ExitCode = 0;
        record.State.Error = "";
        record.State.OomKilled = false;
        record.State.StartedAt = now;
        record.HasBeenStartedBefore = true;
        handle.LastStart = now;
        Save(record);
        Publish(record, "start");
        Monitor(record, handle);
    }

    /// <summary>Waits for the process in the background and applies the exit to the state machine.</summary>
    private void Monitor(ContainerRecord record, ContainerHandle handle)
    {
        var token = _shutdown.Token;
        _ = Task.Run(async () =>
        {
            RuntimeExit exit;
            try
            {
                exit = await _runtime.WaitAsync(record.Id, token);
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                return; // moatd is shutting down; the container keeps running (live-restore) or was stopped.
            }
            catch (Exception e)
            {
                Log.WaitFailed(_logger, record.Id, e);
                exit = new RuntimeExit(255, _time.GetUtcNow());
            }
            await OnExitAsync(record, handle, exit);
        }, CancellationToken.None);
    }

    private async Task OnExitAsync(ContainerRecord record, ContainerHandle handle, RuntimeExit exit)
    {
        bool restart;
        TimeSpan delay = TimeSpan.Zero;
        await handle.Lock.WaitAsync();
        try
        {
            record.State.Status = ContainerStatus.Exited;
            record.State.Pid = 0;
            record.State.ExitCode = exit.ExitCode;
            record.State.OomKilled = exit.OomKilled;
            record.State.FinishedAt = exit.FinishedAt;
            AfterExitAtRest(record);
            restart = ShouldRestart(record, exit.ExitCode);
            if (restart)
            {
                // Back-off as dockerd: 100 ms doubling, reset after 10 s of successful running.
                bool ranLong = exit.FinishedAt - handle.LastStart > TimeSpan.FromSeconds(10);
                if (ranLong) record.RestartCount = 0;
                delay = TimeSpan.FromMilliseconds(Math.Min(60_000, 100 * Math.Pow(2, Math.Min(record.RestartCount, 12))));
                record.State.Status = ContainerStatus.Restarting;
                record.RestartCount++;
            }
            // An auto-removed container's record is deleted right after: no need to persist "exited" first (after a
            // crash in between, recovery finds it exited and removes it then).
            if (restart || !record.HostConfig.AutoRemove) Save(record);
            // Clean up after the process now, so that rm (and prune) is cheap; before waiters wake, so that what they
            // do next (export, start, rm) finds it done.
            if (!restart) await ReleaseQuietlyAsync(record.Id);
            Publish(record, "die", new() { ["exitCode"] = exit.ExitCode.ToString(System.Globalization.CultureInfo.InvariantCulture) });
            handle.SignalExit(exit);
        }
        finally
        {
            handle.Lock.Release();
        }

        if (restart)
        {
            _ = Task.Run(() => RestartAfterDelayAsync(record, handle, delay));
        }
        else if (record.HostConfig.AutoRemove)
        {
            await RemoveAfterExitAsync(record);
        }
    }

    private bool ShouldRestart(ContainerRecord record, int exitCode)
    {
        if (record.HasBeenManuallyStopped || _shutdown.IsCancellationRequested) return false;
        var policy = record.HostConfig.RestartPolicy;
        return policy.Name switch
        {
            "always" or "unless-stopped" => true,
            "on-failure" => exitCode != 0 && (policy.MaximumRetryCount == 0 || record.RestartCount < policy.MaximumRetryCount),
            _ => false,
        };
    }

    private async Task RestartAfterDelayAsync(ContainerRecord record, ContainerHandle handle, TimeSpan delay)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(_shutdown.Token);
        handle.RestartDelay = cts;
        try
        {
            await Task.Delay(delay, _time, cts.Token);
        }
        catch (OperationCanceledException)
        {
            return;
        }
        await handle.Lock.WaitAsync();
        try
        {
            if (record.State.Status != ContainerStatus.Restarting || record.HasBeenManuallyStopped || _store.TryGet(record.Id) is null) return;
            await StartLockedAsync(record, handle, CancellationToken.None);
            Publish(record, "restart");
        }
        catch (Exception e)
        {
            Log.RestartFailed(_logger, record.Id, e);
        }
        finally
        {
            handle.RestartDelay = null;
            handle.Lock.Release();
        }
    }

    private async Task RemoveAfterExitAsync(ContainerRecord record)
    {
        try
        {
            await RemoveAsync(record.Id, force: false, removeVolumes: true, CancellationToken.None);
        }
        catch (ContainerNotFoundException) { }
        catch (Exception e)
        {
            Log.AutoRemoveFailed(_logger, record.Id, e);
        }
    }

    private static bool IsActive(ContainerStatus s) => s is ContainerStatus.Running or ContainerStatus.Paused;

    /// <summary>docker stop: the stop signal, then SIGKILL after the timeout (seconds; -1 waits forever).</summary>
    public async Task StopAsync(string idOrName, int? timeoutSeconds, string? signal, CancellationToken cancellationToken)
    {
        var record = _store.Get(idOrName);
        var handle = Handle(record.Id);
        int sig = Signals.Parse(!string.IsNullOrEmpty(signal) ? signal : !string.IsNullOrEmpty(record.Config.StopSignal) ? record.Config.StopSignal : "SIGTERM");
        int timeout = timeoutSeconds ?? record.Config.StopTimeout ?? 10;
        Task<RuntimeExit> exited;
        await handle.Lock.WaitAsync(cancellationToken);
        try
        {
            if (record.State.Status == ContainerStatus.Restarting)
            {
                record.HasBeenManuallyStopped = true;
                handle.RestartDelay?.Cancel();
                record.State.Status = ContainerStatus.Exited;
                Save(record);
                Publish(record, "stop");
                return;
            }
            if (!IsActive(record.State.Status)) throw new NotModifiedException();
            record.HasBeenManuallyStopped = true;
            Save(record);
            exited = handle.NextExit;
            if (record.State.Status == ContainerStatus.Paused) sig = Signals.SIGKILL;
            Publish(record, "kill", new() { ["signal"] = sig.ToString(System.Globalization.CultureInfo.InvariantCulture) });
            await KillQuietlyAsync(record.Id, sig);
            if (record.State.Status == ContainerStatus.Paused) await ResumeQuietlyAsync(record.Id);
        }
        finally
        {
            handle.Lock.Release();
        }

        if (timeout < 0) await exited.WaitAsync(cancellationToken);
        else if (!await WaitQuietlyAsync(exited, TimeSpan.FromSeconds(timeout), cancellationToken))
        {
            Publish(record, "kill", new() { ["signal"] = "9" });
            await KillQuietlyAsync(record.Id, Signals.SIGKILL);
            if (!await WaitQuietlyAsync(exited, TimeSpan.FromSeconds(30), cancellationToken))
                throw new ConflictException($"cannot stop container: {ShortName(record)}: tried to kill container, but did not receive an exit event");
        }
        Publish(record, "stop");
    }

    private static async Task<bool> WaitQuietlyAsync(Task task, TimeSpan timeout, CancellationToken cancellationToken)
    {
        try
        {
            await task.WaitAsync(timeout, cancellationToken);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    private async Task KillQuietlyAsync(string id, int signal)
    {
        try { await _runtime.KillAsync(id, signal, CancellationToken.None); }
        catch (Exception e) when (e is not OperationCanceledException) { Log.KillFailed(_logger, id, e); }
    }

    private async Task ReleaseQuietlyAsync(string id)
    {
        try { await _runtime.ReleaseAsync(id, CancellationToken.None); }
        catch (Exception e) when (e is not OperationCanceledException) { Log.ReleaseFailed(_logger, id, e); }
    }

    private async Task ResumeQuietlyAsync(string id)
    {
        try { await _runtime.ResumeAsync(id, CancellationToken.None); }
        catch (Exception e) when (e is not OperationCanceledException) { Log.KillFailed(_logger, id, e); }
    }

    public async Task KillAsync(string idOrName, string? signal, CancellationToken cancellationToken)
    {
        var record = _store.Get(idOrName);
        int sig = Signals.Parse(string.IsNullOrEmpty(signal) ? "SIGKILL" : signal);
        var handle = Handle(record.Id);
        Task<RuntimeExit> exited;
        await handle.Lock.WaitAsync(cancellationToken);
        try
        {
            if (!IsActive(record.State.Status))
                throw new ContainerNotRunningException($"cannot kill container: {idOrName}: container {record.Id} is not running");
            exited = handle.NextExit;
            // As dockerd's killWithSignal: a killed container is not brought back by its restart policy.
            record.HasBeenManuallyStopped = true;
            Save(record);
            Publish(record, "kill", new() { ["signal"] = sig.ToString(System.Globalization.CultureInfo.InvariantCulture) });
            await _runtime.KillAsync(record.Id, sig, cancellationToken);
        }
        finally
        {
            handle.Lock.Release();
        }
        // As dockerd: a SIGKILL returns once the container is gone, so a following inspect sees it exited.
        if (sig == Signals.SIGKILL) await WaitQuietlyAsync(exited, TimeSpan.FromSeconds(30), cancellationToken);
    }

    public async Task RestartAsync(string idOrName, int? timeoutSeconds, string? signal, CancellationToken cancellationToken)
    {
        var record = _store.Get(idOrName);
        try { await StopAsync(record.Id, timeoutSeconds, signal, cancellationToken); }
        catch (NotModifiedException) { }
        try { await StartAsync(record.Id, cancellationToken); }
        catch (NotModifiedException) { }
        Publish(record, "restart");
    }

    public async Task PauseAsync(string idOrName, CancellationToken cancellationToken)
    {
        var record = _store.Get(idOrName);
        var handle = Handle(record.Id);
        await handle.Lock.WaitAsync(cancellationToken);
        try
        {
            if (record.State.Status == ContainerStatus.Paused) throw new ConflictException($"container {record.Id} is already paused");
            if (record.State.Status != ContainerStatus.Running) throw new ConflictException($"container {record.Id} is not running");
            await _runtime.PauseAsync(record.Id, cancellationToken);
            record.State.Status = ContainerStatus.Paused;
            Save(record);
            Publish(record, "pause");
        }
        finally
        {
            handle.Lock.Release();
        }
    }

    public async Task UnpauseAsync(string idOrName, CancellationToken cancellationToken)
    {
        var record = _store.Get(idOrName);
        var handle = Handle(record.Id);
        await handle.Lock.WaitAsync(cancellationToken);
        try
        {
            if (record.State.Status != ContainerStatus.Paused) throw new ConflictException($"container {record.Id} is not paused");
            await _runtime.ResumeAsync(record.Id, cancellationToken);
            record.State.Status = ContainerStatus.Running;
            Save(record);
            Publish(record, "unpause");
        }
        finally
        {
            handle.Lock.Release();
        }
    }

    /// <summary>docker rm: refuses running containers unless forced; -v removes anonymous volumes.</summary>
    public async Task RemoveAsync(string idOrName, bool force, bool removeVolumes, CancellationToken cancellationToken)
    {
        var record = _store.Get(idOrName);
        var handle = Handle(record.Id);
        if (IsActive(record.State.Status) || record.State.Status == ContainerStatus.Restarting)
        {
            if (!force)
            {
                string state = record.State.Status == ContainerStatus.Restarting ? "restarting" : record.State.Status == ContainerStatus.Paused ? "paused" : "running";
                throw new ConflictException($"cannot remove container \"{record.Name}\": container is {state}: stop the container before removing or force remove");
            }
            await handle.Lock.WaitAsync(cancellationToken);
            Task<RuntimeExit> exited;
            try
            {
                record.HasBeenManuallyStopped = true;
                handle.RestartDelay?.Cancel();
                exited = handle.NextExit;
                if (IsActive(record.State.Status))
                {
                    Publish(record, "kill", new() { ["signal"] = "9" });
                    await KillQuietlyAsync(record.Id, Signals.SIGKILL);
                    if (record.State.Status == ContainerStatus.Paused) await ResumeQuietlyAsync(record.Id);
                }
                else
                {
                    exited = Task.FromResult(new RuntimeExit(record.State.ExitCode, _time.GetUtcNow()));
                    record.State.Status = ContainerStatus.Exited;
                }
            }
            finally
            {
                handle.Lock.Release();
            }
            if (!await WaitQuietlyAsync(exited, TimeSpan.FromSeconds(30), cancellationToken))
                throw new ConflictException($"cannot remove container \"{record.Name}\": could not kill: tried to kill container, but did not receive an exit event");
        }

        await handle.Lock.WaitAsync(cancellationToken);
        try
        {
            if (_store.TryGet(record.Id) is null) throw new ContainerNotFoundException(idOrName);
            if (record.State.Status == ContainerStatus.Removing)
                throw new ConflictException($"removal of container {record.Id} is already in progress");
            record.State.Status = ContainerStatus.Removing;
            try
            {
                await _runtime.DeleteAsync(record.Id, cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                record.State.Status = ContainerStatus.Dead;
                Save(record);
                throw new ConflictException($"cannot remove container \"{record.Name}\": {e.Message}", e);
            }
            _store.Remove(record);
        }
        finally
        {
            handle.Lock.Release();
        }
        _handles.TryRemove(record.Id, out _);
        if (removeVolumes)
        {
            foreach (var m in record.Mounts)
            {
                if (m.Type != "volume" || !m.Anonymous || m.Name is null) continue;
                try { _volumes.Remove(m.Name, force: true); }
                catch (ConflictException) { }
            }
        }
        Publish(record, "destroy");
        handle.SignalRemoved(record.State.ExitCode);
    }

    public enum WaitCondition { NotRunning, NextExit, Removed }

    public static WaitCondition ParseWaitCondition(string? text) => text switch
    {
        null or "" or "not-running" => WaitCondition.NotRunning,
        "next-exit" => WaitCondition.NextExit,
        "removed" => WaitCondition.Removed,
        _ => throw new InvalidArgumentException($"invalid condition: \"{text}\""),
    };

    /// <summary>
    /// Registers a waiter now (so that an exit right after cannot be missed) and returns the task that
    /// yields the exit code. The API flushes its headers between the two.
    /// </summary>
    public Task<RuntimeExit> RegisterWait(string idOrName, WaitCondition condition)
    {
        var record = _store.Get(idOrName);
        var handle = Handle(record.Id);
        return condition switch
        {
            WaitCondition.NextExit => handle.NextExit,
            WaitCondition.Removed => handle.Removed.ContinueWith(t => new RuntimeExit(t.Result, _time.GetUtcNow()), TaskScheduler.Default),
            _ => IsActive(record.State.Status) || record.State.Status == ContainerStatus.Restarting
                ? handle.NextExit
                : Task.FromResult(new RuntimeExit(record.State.ExitCode, record.State.FinishedAt)),
        };
    }

    /// <summary>The task that completes when the container's current run ends (completed now if it is not running).</summary>
    public Task<RuntimeExit> CurrentRunEnded(ContainerRecord record) =>
        IsActive(record.State.Status) || record.State.Status == ContainerStatus.Restarting
            ? Handle(record.Id).NextExit
            : Task.FromResult(new RuntimeExit(record.State.ExitCode, record.State.FinishedAt));

    /// <summary>The task that completes when the next run ends (for attach before start).</summary>
    public Task<RuntimeExit> NextExit(ContainerRecord record) => Handle(record.Id).NextExit;
}

public sealed class ContainerStartException(string message, Exception? inner = null) : MoatException(message, inner)
{
    public override ErrorCategory Category =>
        Message.Contains("executable file not found", StringComparison.Ordinal) || Message.Contains("no such file or directory", StringComparison.Ordinal) || Message.Contains("permission denied", StringComparison.Ordinal)
            ? ErrorCategory.InvalidArgument
            : ErrorCategory.Unavailable;
}
