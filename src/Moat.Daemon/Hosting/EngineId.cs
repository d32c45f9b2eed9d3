namespace Moat.Daemon.Hosting;

/// <summary>dockerd's engine ID: a UUID kept in &lt;data-root&gt;/engine-id, the actor of daemon events and /info's ID.</summary>
public static class EngineId
{
    public static string LoadOrCreate(string dataRoot)
    {
        string path = Path.Combine(dataRoot, "engine-id");
        try
        {
            if (File.Exists(path))
            {
                string existing = File.ReadAllText(path).Trim();
                if (Guid.TryParse(existing, out _)) return existing;
            }
            // dockerd creates the data root 0710 (root:root): group members may traverse, not list.
            Directory.CreateDirectory(dataRoot, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupExecute);
            string id = Guid.NewGuid().ToString();
            string temp = path + ".tmp";
            using (var f = new FileStream(temp, FileMode.Create, FileAccess.Write))
            {
                f.Write(System.Text.Encoding.ASCII.GetBytes(id));
                f.Flush(flushToDisk: true);
            }
            File.Move(temp, path, overwrite: true);
            return id;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return Guid.NewGuid().ToString();
        }
    }
}
