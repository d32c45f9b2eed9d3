using System.Globalization;
using Moat.Daemon.Configuration;
using Moat.Linux;

namespace Moat.Daemon.Hosting;

/// <summary>dockerd's pidfile (pkg/pidfile): refuse when it names a live process, else write our pid; removed at clean exit.</summary>
public sealed class PidFile : IDisposable
{
    private PidFile(string path) => Path = path;

    public string Path { get; }

    /// <exception cref="ConfigurationException">`failed to start daemon, ensure docker is not running or delete …`.</exception>
    public static PidFile Create(string path)
    {
        if (File.Exists(path))
        {
            string text = "";
            try { text = File.ReadAllText(path).Trim(); }
            catch (IOException) { }
            if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int pid) && pid > 0
                && pid != Environment.ProcessId && IsAlive(pid))
                throw new ConfigurationException($"failed to start daemon, ensure docker is not running or delete {path}: process with PID {pid} is still running");
        }
        string? dir = System.IO.Path.GetDirectoryName(path);
        if (!string.IsNullOrEmpty(dir)) Directory.CreateDirectory(dir);
        string temp = $"{path}.{Environment.ProcessId}.tmp";
        try
        {
            using (var f = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                f.Write(System.Text.Encoding.ASCII.GetBytes(Environment.ProcessId.ToString(CultureInfo.InvariantCulture)));
                f.Flush(flushToDisk: true);
            }
            File.SetUnixFileMode(temp, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
            File.Move(temp, path, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            try { File.Delete(temp); } catch (IOException) { }
            throw new ConfigurationException($"failed to start daemon: {e.Message}");
        }
        return new PidFile(path);
    }

    /// <summary>kill(pid, 0): the process exists (EPERM means it exists but is not ours).</summary>
    public static bool IsAlive(int pid)
    {
        int errno = Libc.kill(pid, 0);
        return errno == 0 || errno == Libc.EPERM;
    }

    public void Dispose()
    {
        try
        {
            // Only remove it if it is still ours.
            if (File.Exists(Path) && File.ReadAllText(Path).Trim() == Environment.ProcessId.ToString(CultureInfo.InvariantCulture))
                File.Delete(Path);
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}
