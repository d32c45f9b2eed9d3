using System.Diagnostics;
using System.Net.Sockets;
using System.Text;

namespace Moat.Compat.Tests.Infrastructure;

/// <summary>
/// A real dist/moatd on temporary paths (socket, data-root, exec-root, pidfile, config file).
/// Tests drive it with <see cref="DockerCli"/>; disposing it stops the daemon and removes the paths.
/// </summary>
public sealed class MoatDaemon : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly object _gate = new();

    private MoatDaemon(Process process, TempDir dir)
    {
        _process = process;
        Dir = dir;
    }

    public TempDir Dir { get; }
    public string SocketPath => Path.Combine(Dir.Path, "docker.sock");
    public string Host => "unix://" + SocketPath;
    public string DataRoot => Path.Combine(Dir.Path, "data");
    public string ExecRoot => Path.Combine(Dir.Path, "exec");
    public string PidFile => Path.Combine(Dir.Path, "moatd.pid");
    public string ConfigFile => Path.Combine(Dir.Path, "daemon.json");
    public int Pid => _process.Id;
    public bool HasExited => _process.HasExited;

    public string Output
    {
        get { lock (_gate) return _output.ToString(); }
    }

    /// <summary>Path of the published daemon: $MOAT_DIST/moatd, else dist/moatd above the test binaries.</summary>
    public static string DaemonPath => Path.Combine(DistDir, "moatd");
    public static string CliPath => Path.Combine(DistDir, "moat");

    public static string DistDir
    {
        get
        {
            string? env = Environment.GetEnvironmentVariable("MOAT_DIST");
            if (!string.IsNullOrEmpty(env)) return env;
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Moat.slnx"))) dir = dir.Parent;
            return Path.Combine(dir?.FullName ?? ".", "dist");
        }
    }

    /// <summary>
    /// Starts moatd with a unix socket in a fresh temp dir and waits until it answers /_ping.
    /// <paramref name="config"/> is written as daemon.json (passed with --config-file); extra args follow.
    /// </summary>
    public static async Task<MoatDaemon> StartAsync(string? config = null, IEnumerable<string>? args = null, bool defaultHost = true, TimeSpan? timeout = null, IDictionary<string, string>? env = null)
    {
        var dir = new TempDir("moatd");
        var daemon = Launch(dir, config, args, defaultHost, env);
        await daemon.WaitReadyAsync(timeout ?? TimeSpan.FromSeconds(20));
        return daemon;
    }

    /// <summary>Starts moatd without waiting; for tests of refusals and of start-up itself.</summary>
    public static MoatDaemon Launch(TempDir dir, string? config, IEnumerable<string>? args, bool defaultHost = true, IDictionary<string, string>? env = null)
    {
        Directory.CreateDirectory(dir.Path);
        string configFile = System.IO.Path.Combine(dir.Path, "daemon.json");
        File.WriteAllText(configFile, config ?? "{}");
        var psi = new ProcessStartInfo(DaemonPath)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        if (defaultHost) { psi.ArgumentList.Add("-H"); psi.ArgumentList.Add("unix://" + System.IO.Path.Combine(dir.Path, "docker.sock")); }
        foreach (var (flag, value) in new[] { ("--data-root", "data"), ("--exec-root", "exec"), ("--pidfile", "moatd.pid") })
        {
            psi.ArgumentList.Add(flag);
            psi.ArgumentList.Add(System.IO.Path.Combine(dir.Path, value));
        }
        psi.ArgumentList.Add("--config-file");
        psi.ArgumentList.Add(configFile);
        foreach (var a in args ?? []) psi.ArgumentList.Add(a);
        if (env is not null) foreach (var (k, v) in env) psi.Environment[k] = v;

        var process = Process.Start(psi) ?? throw new InvalidOperationException("moatd did not start");
        var daemon = new MoatDaemon(process, dir);
        process.OutputDataReceived += (_, e) => daemon.Append(e.Data);
        process.ErrorDataReceived += (_, e) => daemon.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return daemon;
    }

    private void Append(string? line)
    {
        if (line is null) return;
        lock (_gate) _output.AppendLine(line);
    }

    public async Task WaitReadyAsync(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
                throw new InvalidOperationException($"moatd exited with {_process.ExitCode}:\n{Output}");
            if (await PingAsync()) return;
            await Task.Delay(25);
        }
        throw new TimeoutException($"moatd did not answer /_ping within {timeout}:\n{Output}");
    }

    private async Task<bool> PingAsync()
    {
        if (!File.Exists(SocketPath)) return false;
        try
        {
            using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(SocketPath));
            await socket.SendAsync("GET /_ping HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"u8.ToArray());
            var buffer = new byte[512];
            int n = await socket.ReceiveAsync(buffer);
            return n > 0 && Encoding.ASCII.GetString(buffer, 0, n).StartsWith("HTTP/1.1 200", StringComparison.Ordinal);
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>Runs the docker CLI against this daemon.</summary>
    public Task<CliResult> DockerAsync(params string[] args) => DockerCli.RunAsync(Host, args);

    public Task<CliResult> DockerAsync(string[] args, string? stdin = null, TimeSpan? timeout = null) => DockerCli.RunAsync(Host, args, stdin: stdin, timeout: timeout);

    /// <summary>Runs the docker CLI against this daemon, asserts it succeeded, and returns its trimmed stdout.</summary>
    public async Task<string> DockerOkAsync(params string[] args)
    {
        var r = await DockerAsync(args);
        Assert.True(r.ExitCode == 0, $"docker {string.Join(' ', args)}: {r}\n{Output}");
        return r.Stdout.Trim();
    }

    public void Signal(int signal) => DockerCli.Kill(_process.Id, signal);

    /// <summary>Waits for the process to exit (after a signal or on its own) and returns its exit code.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cts.Token);
        return _process.ExitCode;
    }

    public void KillHard()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: false);
        _process.WaitForExit(10_000);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            DockerCli.Kill(_process.Id, 15);
            try { await WaitForExitAsync(TimeSpan.FromSeconds(15)); }
            catch (OperationCanceledException) { KillHard(); }
        }
        _process.Dispose();
        Dir.Dispose();
    }
}
