using System.Diagnostics;
using System.Text;
using Moat.Engine.Errors;

namespace Moat.Engine.Volumes.Crypt;

/// <summary>Runs the encryption tools (gocryptfs, cryptsetup, mkfs) with a volume key on stdin, never in argv.</summary>
internal static class CryptTool
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    public static string? Find(string name)
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin").Split(':').Append("/usr/bin").Append("/usr/sbin").Append("/sbin"))
        {
            if (dir.Length == 0) continue;
            string path = Path.Combine(dir, name);
            if (File.Exists(path)) return path;
        }
        return null;
    }

    /// <summary>
    /// Runs <paramref name="tool"/>; with a <paramref name="key"/>, writes it in hex and a newline to stdin and closes
    /// it. A non-zero exit becomes an <see cref="UnavailableException"/> "<paramref name="what"/>: NAME failed …".
    /// </summary>
    public static void Run(string tool, IReadOnlyList<string> args, ReadOnlySpan<byte> key, bool withKey, string what)
    {
        string name = Path.GetFileName(tool);
        var psi = new ProcessStartInfo(tool)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var process = Process.Start(psi) ?? throw new UnavailableException($"{what}: {name} did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        char[] hex = new char[withKey ? key.Length * 2 + 1 : 0];
        try
        {
            if (withKey)
            {
                Convert.TryToHexStringLower(key, hex, out _);
                hex[^1] = '\n';
                process.StandardInput.Write(hex);
                process.StandardInput.Flush();
            }
        }
        catch (IOException)
        {
            // The tool exited before reading; its exit code and stderr say why.
        }
        finally
        {
            Array.Clear(hex);
            try { process.StandardInput.Close(); } catch (IOException) { }
        }
        if (!process.WaitForExit(Timeout))
        {
            try { process.Kill(); } catch (InvalidOperationException) { }
            throw new UnavailableException($"{what}: {name} did not finish within {Timeout.TotalSeconds:0} s");
        }
        // A daemon the tool forks (gocryptfs) closes its copies of the pipes once mounted; never wait forever on one.
        Task.WaitAll([stdout, stderr], Timeout);
        if (process.ExitCode != 0)
        {
            string message = stderr.IsCompletedSuccessfully && Clean(stderr.Result) is { Length: > 0 } e ? e
                : stdout.IsCompletedSuccessfully ? Clean(stdout.Result) : "";
            throw new UnavailableException($"{what}: {name} failed (exit code {process.ExitCode}): {message}");
        }
    }

    /// <summary>A tool's output on one line, without the syslog noise of a host without syslog.</summary>
    private static string Clean(string output)
    {
        var sb = new StringBuilder();
        foreach (var line in output.Split('\n'))
        {
            if (line.Contains("syslog", StringComparison.OrdinalIgnoreCase) || line.Trim().Length == 0) continue;
            if (sb.Length > 0) sb.Append("; ");
            sb.Append(line.Trim());
        }
        return sb.Length > 2000 ? sb.ToString(0, 2000) : sb.ToString();
    }
}
