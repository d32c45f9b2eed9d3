namespace Moat.Security.AtRest;

/// <summary>
/// An exclusive lock on &lt;data-root&gt;/moat-state.lock, held by moatd for its lifetime and by `moat key rotate`
/// while it re-seals: rotation and a running moatd (which seals with the old key it holds in memory) exclude each
/// other. The kernel drops the lock when the process dies, so a moatd killed with -9 does not block rotation.
/// </summary>
public sealed class StateLock : IDisposable
{
    public const string FileName = "moat-state.lock";
    private readonly FileStream _stream;

    private StateLock(FileStream stream) => _stream = stream;

    /// <summary>Takes the lock or returns null when another process holds it.</summary>
    public static StateLock? TryAcquire(string dataRoot)
    {
        Directory.CreateDirectory(dataRoot);
        try
        {
            // FileShare.None is an flock(LOCK_EX | LOCK_NB) on Linux; the descriptor is close-on-exec.
            return new StateLock(new FileStream(Path.Combine(dataRoot, FileName), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None));
        }
        catch (IOException)
        {
            return null;
        }
    }

    public void Dispose() => _stream.Dispose();
}
