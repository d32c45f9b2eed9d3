namespace Moat.Engine.Containers;

public sealed partial class ContainerService
{
    /// <summary>
    /// At moatd start: reconcile every persisted container with the runtime. Running ones are re-adopted,
    /// ones that exited while moatd was down get their real exit code, and restart policies apply.
    /// </summary>
    public async Task RecoverAsync(CancellationToken cancellationToken)
    {
        foreach (var record in _store.All())
        {
            var handle = Handle(record.Id);
            try
            {
                if (record.State.Status == ContainerStatus.Removing)
                {
                    // A crash in the middle of rm: finish it.
                    record.State.Status = ContainerStatus.Dead;
                    Save(record);
                    continue;
                }
                bool wasActive = IsActive(record.State.Status) || record.State.Status == ContainerStatus.Restarting;
                if (!wasActive) continue;

                var status = await _runtime.RecoverAsync(record.Id, cancellationToken);
                if (status.State is RuntimeState.Running or RuntimeState.Paused)
                {
                    record.State.Status = status.State == RuntimeState.Paused ? ContainerStatus.Paused : ContainerStatus.Running;
                    record.State.Pid = status.Pid;
                    Save(record);
                    handle.LastStart = record.State.StartedAt;
                    Log.Recovered(_logger, record.Id, "re-adopted running container");
                    await ReadoptAtRestAsync(record, cancellationToken);
                    Monitor(record, handle);
                    continue;
                }
                var exit = status.Exit ?? new RuntimeExit(record.State.Status == ContainerStatus.Restarting ? record.State.ExitCode : 255, _time.GetUtcNow());
                Log.Recovered(_logger, record.Id, $"exited while moatd was down (exit code {exit.ExitCode})");
                await OnExitAsync(record, handle, exit);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                Log.RecoverFailed(_logger, record.Id, e);
                record.State.Status = ContainerStatus.Exited;
                record.State.Pid = 0;
                if (record.State.Error.Length == 0) record.State.Error = "moatd could not recover the container: " + e.Message;
                Save(record);
            }
        }
        _volumes.LockUnclaimed();
    }

    /// <summary>
    /// At a clean moatd shutdown: without live-restore, stop every running container as dockerd does
    /// (their restart policy brings them back at the next start); with it, leave them running.
    /// </summary>
    public async Task ShutdownAsync(CancellationToken cancellationToken)
    {
        if (!_options.LiveRestore)
        {
            var running = _store.All().Where(r => IsActive(r.State.Status)).ToList();
            await Task.WhenAll(running.Select(async r =>
            {
                bool manual = r.HasBeenManuallyStopped;
                try { await StopAsync(r.Id, r.Config.StopTimeout ?? 10, null, cancellationToken); }
                catch (Exception e) when (e is not OperationCanceledException) { Log.KillFailed(_logger, r.Id, e); }
                // Stopped by the daemon, not the user: keep the restart policy in force for the next start.
                r.HasBeenManuallyStopped = manual;
                Save(r);
            }));
        }
        _shutdown.Cancel();
    }

    /// <summary>Restart policies applied when moatd starts: always, and unless-stopped when not stopped by the user.</summary>
    public async Task StartPolicyContainersAsync(CancellationToken cancellationToken)
    {
        foreach (var record in _store.All())
        {
            if (record.State.Status is not (ContainerStatus.Exited or ContainerStatus.Created)) continue;
            if (!record.HasBeenStartedBefore || record.HasBeenManuallyStopped) continue;
            if (record.HostConfig.RestartPolicy.Name is not ("always" or "unless-stopped")) continue;
            try { await StartAsync(record.Id, cancellationToken); }
            catch (Exception e) when (e is not OperationCanceledException) { Log.RestartFailed(_logger, record.Id, e); }
        }
    }
}
