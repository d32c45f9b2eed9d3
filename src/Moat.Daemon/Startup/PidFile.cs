using System.Globalization;
using Moat.Daemon.Configuration;

namespace Moat.Daemon.Startup;

/// <summary>
/// The daemon's pidfile, as moby's <c>pkg/pidfile</c>: refuse to start while the recorded process is alive,
/// otherwise write our PID atomically; removed again on shutdown if it still names us.
/// </summary>
public sealed class PidFile : IDisposable
{
    private readonly string _path;
    private readonly int _pid;

    private PidFile(string path, int pid)
    {
        _path = path;
        _pid = pid;
    }

    public static PidFile Create(string path, int pid)
    {
        string wrap = $"failed to start daemon, ensure docker is not running or delete {path}: ";
        int old = ReadAlive(path);
        if (old != 0 && old != pid) throw new ConfigurationException(wrap + $"process with PID {old} is still running");
        try
        {
            string? dir = Path.GetDirectoryName(path);
            if (!string.IsNullOrEmpty(dir)) Directory.CreateDirectory(dir);
            string temp = path + ".tmp-" + pid.ToString(CultureInfo.InvariantCulture);
            using (var fs = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                fs.Write(System.Text.Encoding.ASCII.GetBytes(pid.ToString(CultureInfo.InvariantCulture)));
                fs.Flush(flushToDisk: true);
            }
            File.SetUnixFileMode(temp, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
            File.Move(temp, path, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ConfigurationException(wrap + e.Message);
        }
        return new PidFile(path, pid);
    }

    /// <summary>The PID recorded in <paramref name="path"/> if that process is alive, else 0.</summary>
    public static int ReadAlive(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path).Trim();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return 0;
        }
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int pid) || pid <= 0) return 0;
        return Directory.Exists($"/proc/{pid}") ? pid : 0;
    }

    public void Dispose()
    {
        try
        {
            if (File.Exists(_path) && File.ReadAllText(_path).Trim() == _pid.ToString(CultureInfo.InvariantCulture)) File.Delete(_path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Best effort: a stale pidfile is harmless, the next start checks whether its PID is alive.
        }
    }
}
