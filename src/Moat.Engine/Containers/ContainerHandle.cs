namespace Moat.Engine.Containers;

/// <summary>Per-container runtime bookkeeping that is not persisted: the lifecycle lock and the waiters.</summary>
internal sealed class ContainerHandle
{
    public SemaphoreSlim Lock { get; } = new(1, 1);

    private TaskCompletionSource<RuntimeExit> _nextExit = NewExit();
    private readonly TaskCompletionSource<int> _removed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes when the current (or next) run ends, after the state has been saved.</summary>
    public Task<RuntimeExit> NextExit => Volatile.Read(ref _nextExit).Task;

    public Task<int> Removed => _removed.Task;

    public CancellationTokenSource? RestartDelay { get; set; }

    public DateTimeOffset LastStart { get; set; }

    public void SignalExit(RuntimeExit exit)
    {
        var previous = Interlocked.Exchange(ref _nextExit, NewExit());
        previous.TrySetResult(exit);
    }

    public void SignalRemoved(int exitCode)
    {
        _removed.TrySetResult(exitCode);
        Volatile.Read(ref _nextExit).TrySetResult(new RuntimeExit(exitCode, DateTimeOffset.UtcNow));
    }

    private static TaskCompletionSource<RuntimeExit> NewExit() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
