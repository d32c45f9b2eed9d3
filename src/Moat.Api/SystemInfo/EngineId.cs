namespace Moat.Api.SystemInfo;

/// <summary>
/// The daemon's stable ID (docker info "ID", the actor of daemon events): a UUID kept in
/// data-root/engine-id, as dockerd. Created atomically on first use under an exclusive lock: written to a temp file, fsynced, then
/// renamed into place, so racing creators (threads or processes) agree on one ID.
/// The one source of the ID: the daemon calls <see cref="LoadOrCreate"/> once at start and hands the result to
/// /info (<see cref="DaemonFacts.EngineId"/>) and to its own events (reload).
/// </summary>
public static class EngineId
{
    public const string FileName = "engine-id";

    public static string LoadOrCreate(string dataRoot)
    {
        string path = Path.Combine(dataRoot, FileName);
        string? existing = TryRead(path);
        if (existing is not null) return existing;

        // dockerd creates the data root 0710 (root:root): group members may traverse, not list.
        Directory.CreateDirectory(dataRoot, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupExecute);
        // Creators (threads or processes) take turns under an exclusive lock (FileShare.None is flock on Linux);
        // the first writes the ID, the others read it.
        using var exclusive = Lock(Path.Combine(dataRoot, $".{FileName}.lock"));
        existing = TryRead(path);
        if (existing is not null) return existing;

        string id = Guid.NewGuid().ToString();
        string temp = Path.Combine(dataRoot, $".{FileName}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temp, new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead,
            }))
            {
                stream.Write(System.Text.Encoding.ASCII.GetBytes(id));
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, path, overwrite: true);
            return id;
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }

    private static FileStream Lock(string path)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                Thread.Sleep(5);
            }
        }
    }

    /// <summary>The stored ID, or null when the file is missing, empty or not a UUID (then it is replaced).</summary>
    private static string? TryRead(string path)
    {
        try
        {
            string text = File.ReadAllText(path).Trim();
            return Guid.TryParse(text, out _) ? text : null;
        }
        catch (FileNotFoundException) { return null; }
        catch (DirectoryNotFoundException) { return null; }
    }
}
