using System.Threading.Channels;

namespace Moat.Engine.Storage;

/// <summary>
/// Deletes directories off the request path: <see cref="Discard"/> renames a directory into &lt;root&gt;/.trash (one
/// syscall; it is gone from where it was at once) and one background worker deletes what lands there. What a
/// crash left in the trash is deleted at the next start. A rename that fails (another file system) deletes at once.
/// </summary>
public sealed class DirectoryTrash
{
    private readonly string _trash;
    private readonly Channel<string> _queue = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true });
    private int _pending;

    public DirectoryTrash(string root)
    {
        _trash = Path.Combine(root, ".trash");
        try
        {
            if (Directory.Exists(_trash))
                foreach (var leftover in Directory.EnumerateDirectories(_trash)) Enqueue(leftover);
        }
        catch (IOException) { }
        _ = Task.Run(WorkAsync);
    }

    /// <summary>Directories discarded and not deleted yet.</summary>
    public int Pending => Volatile.Read(ref _pending);

    /// <summary>Moves <paramref name="directory"/> (which must be below the trash's root, on its file system) away for deletion.</summary>
    public void Discard(string directory)
    {
        if (!Directory.Exists(directory)) return;
        string target = Path.Combine(_trash, $"{Path.GetFileName(directory)}.{Guid.NewGuid():N}");
        try
        {
            Directory.CreateDirectory(_trash);
            Directory.Move(directory, target);
        }
        catch (IOException)
        {
            DeleteNow(directory);
            return;
        }
        Enqueue(target);
    }

    private void Enqueue(string path)
    {
        Interlocked.Increment(ref _pending);
        _queue.Writer.TryWrite(path);
    }

    private async Task WorkAsync()
    {
        await foreach (var path in _queue.Reader.ReadAllAsync())
        {
            DeleteNow(path);
            Interlocked.Decrement(ref _pending);
        }
    }

    private static void DeleteNow(string path)
    {
        try { Directory.Delete(path, recursive: true); }
        catch (DirectoryNotFoundException) { }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
    }
}
