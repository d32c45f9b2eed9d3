using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;

namespace Moat.Compat.Tests.Infrastructure;

public sealed record CliResult(int ExitCode, string Stdout, string Stderr)
{
    public override string ToString() => $"exit {ExitCode}\nstdout: {Stdout}\nstderr: {Stderr}";
}

/// <summary>Runs the real docker CLI (/usr/local/bin/docker) with an empty, private config directory.</summary>
public static partial class DockerCli
{
    public static string DockerPath => File.Exists("/usr/local/bin/docker") ? "/usr/local/bin/docker" : "docker";

    private static readonly Lazy<string> ConfigDir = new(() =>
    {
        string dir = Path.Combine(Path.GetTempPath(), $"moat-docker-config-{Environment.ProcessId}");
        Directory.CreateDirectory(dir);
        return dir;
    });

    public static Task<CliResult> RunAsync(string host, IEnumerable<string> args, string? stdin = null, IDictionary<string, string?>? env = null, TimeSpan? timeout = null)
    {
        var all = new List<string>();
        if (host.Length > 0) { all.Add("-H"); all.Add(host); }
        all.AddRange(args);
        var environment = new Dictionary<string, string?> { ["DOCKER_CONFIG"] = ConfigDir.Value, ["DOCKER_HOST"] = null, ["DOCKER_CONTEXT"] = null, ["DOCKER_TLS_VERIFY"] = null, ["DOCKER_CERT_PATH"] = null };
        if (env is not null) foreach (var (k, v) in env) environment[k] = v;
        return ProcessRunner.RunAsync(DockerPath, all, stdin, environment, timeout ?? TimeSpan.FromSeconds(60));
    }

    public static void Kill(int pid, int signal) => kill(pid, signal);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int kill(int pid, int sig);
}

/// <summary>Runs a program to completion with captured output; a test never hangs past its timeout.</summary>
public static class ProcessRunner
{
    public static async Task<CliResult> RunAsync(string file, IEnumerable<string> args, string? stdin = null, IDictionary<string, string?>? env = null, TimeSpan? timeout = null)
    {
        var psi = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        if (env is not null)
            foreach (var (k, v) in env)
                if (v is null) psi.Environment.Remove(k); else psi.Environment[k] = v;

        using var process = Process.Start(psi) ?? throw new InvalidOperationException($"{file} did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (stdin is not null) await process.StandardInput.WriteAsync(stdin);
        process.StandardInput.Close();
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', args)} did not finish in time; stderr so far: {(stderr.IsCompleted ? stderr.Result : "")}");
        }
        return new CliResult(process.ExitCode, await stdout, await stderr);
    }
}
