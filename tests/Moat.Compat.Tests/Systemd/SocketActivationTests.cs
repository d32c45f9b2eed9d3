// Timeouts here are per step (CancellationTokenSource) so that a hung daemon fails the test instead of the run.
#pragma warning disable xUnit1051
using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using Moat.Compat.Tests.Infrastructure;

namespace Moat.Compat.Tests.Systemd;

/// <summary>
/// moatd started the way systemd starts it: `systemd-socket-activate` holds the listening socket, execs moatd with
/// LISTEN_FDS/LISTEN_PID on the first connection, and NOTIFY_SOCKET points at a datagram socket the test reads.
/// </summary>
public sealed class SocketActivationTests
{
    private sealed class NotifyListener : IDisposable
    {
        private readonly Socket _socket = new(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        private readonly List<string> _messages = [];
        private readonly Task _loop;

        public NotifyListener(string path)
        {
            _socket.Bind(new UnixDomainSocketEndPoint(path));
            _loop = Task.Run(async () =>
            {
                var buffer = new byte[4096];
                try
                {
                    while (true)
                    {
                        int n = await _socket.ReceiveAsync(buffer);
                        lock (_messages) _messages.Add(Encoding.UTF8.GetString(buffer, 0, n));
                    }
                }
                catch (ObjectDisposedException) { }
                catch (SocketException) { }
            });
        }

        public string[] Messages { get { lock (_messages) return [.. _messages]; } }

        public async Task WaitForAsync(string state)
        {
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
            while (!Messages.Any(m => m.Split('\n').Contains(state)))
            {
                if (DateTime.UtcNow > deadline) throw new TimeoutException($"no {state}; got: {string.Join(" | ", Messages)}");
                await Task.Delay(25);
            }
        }

        public void Dispose() => _socket.Dispose();
    }

    private static Process StartActivated(TempDir dir, string listen, string notify, params string[] extra)
    {
        var psi = new ProcessStartInfo("systemd-socket-activate") { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in new[] { "-l", listen, "-E", "NOTIFY_SOCKET=" + notify, MoatDaemon.DaemonPath, "-H", "fd://",
                     "--data-root", dir.Combine("data"), "--exec-root", dir.Combine("exec"), "--pidfile", dir.Combine("moatd.pid") })
            psi.ArgumentList.Add(a);
        foreach (var a in extra) psi.ArgumentList.Add(a);
        var p = Process.Start(psi)!;
        p.BeginErrorReadLine();
        p.BeginOutputReadLine();
        return p;
    }

    private static async Task WaitForPathAsync(string path)
    {
        for (int i = 0; i < 400 && !File.Exists(path); i++) await Task.Delay(25);
        Assert.True(File.Exists(path), $"{path} never appeared");
    }

    [Fact]
    public async Task ActivatedUnixSocket_ServesDocker_NotifiesReadyAndStopping()
    {
        using var dir = new TempDir("moat-activate");
        string sock = dir.Combine("docker.sock"), notify = dir.Combine("notify.sock");
        using var listener = new NotifyListener(notify);
        using var process = StartActivated(dir, sock, notify);
        try
        {
            await WaitForPathAsync(sock);

            // The first connection makes systemd-socket-activate exec moatd, which must answer it.
            var version = await DockerCli.RunAsync("unix://" + sock, ["version", "--format", "{{.Server.Version}}"]);
            Assert.True(version.ExitCode == 0, version.ToString());
            Assert.Equal("28.2.2-moat", version.Stdout.Trim());
            await listener.WaitForAsync("READY=1");

            DockerCli.Kill(process.Id, 1);
            await listener.WaitForAsync("RELOADING=1");
            Assert.Contains(listener.Messages, m => m.Contains("MONOTONIC_USEC="));

            DockerCli.Kill(process.Id, 15);
            await listener.WaitForAsync("STOPPING=1");
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            await process.WaitForExitAsync(cts.Token);
            Assert.Equal(0, process.ExitCode);
            Assert.False(File.Exists(dir.Combine("moatd.pid")));
        }
        finally
        {
            if (!process.HasExited) process.Kill();
        }
    }

    [Fact]
    public async Task ActivatedNonLoopbackTcpWithoutTls_IsRefused()
    {
        using var dir = new TempDir("moat-activate-tcp");
        int port = RawHttp.FreeTcpPort();
        string notify = dir.Combine("notify.sock");
        using var listener = new NotifyListener(notify);
        var psi = new ProcessStartInfo("systemd-socket-activate") { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in new[] { "-l", $"0.0.0.0:{port}", "-E", "NOTIFY_SOCKET=" + notify, MoatDaemon.DaemonPath, "-H", "fd://",
                     "--data-root", dir.Combine("data"), "--exec-root", dir.Combine("exec"), "--pidfile", dir.Combine("moatd.pid") })
            psi.ArgumentList.Add(a);
        using var process = Process.Start(psi)!;
        var stderr = process.StandardError.ReadToEndAsync();
        try
        {
            // Poke the socket (loopback) so that moatd is exec'd.
            await Task.Delay(200);
            using (var poke = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
                await poke.ConnectAsync(System.Net.IPAddress.Loopback, port);
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            await process.WaitForExitAsync(cts.Token);

            Assert.Equal(1, process.ExitCode);
            Assert.Contains($"refusing to serve the API on tcp://0.0.0.0:{port} (passed by systemd) without TLS", await stderr);
            Assert.DoesNotContain(listener.Messages, m => m.Contains("READY=1"));
        }
        finally
        {
            if (!process.HasExited) process.Kill();
        }
    }

    [Fact]
    public async Task FdWithoutActivation_FailsWithDockerdsText()
    {
        using var dir = new TempDir("moatd-fd");

        await using var daemon = MoatDaemon.Launch(dir, null, ["-H", "fd://"], defaultHost: false);
        int code = await daemon.WaitForExitAsync(TimeSpan.FromSeconds(20));

        Assert.Equal(1, code);
        Assert.Contains("no sockets found via socket activation: make sure the service was started by systemd", daemon.Output);
    }

    [Fact]
    public async Task FdNumberBeyondPassedSockets_FailsWithDockerdsText()
    {
        using var dir = new TempDir("moatd-fd9");
        string sock = dir.Combine("docker.sock"), notify = dir.Combine("notify.sock");
        using var listener = new NotifyListener(notify);
        var psi = new ProcessStartInfo("systemd-socket-activate") { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in new[] { "-l", sock, "-E", "NOTIFY_SOCKET=" + notify, MoatDaemon.DaemonPath, "-H", "fd://9",
                     "--data-root", dir.Combine("data"), "--pidfile", dir.Combine("moatd.pid") })
            psi.ArgumentList.Add(a);
        using var process = Process.Start(psi)!;
        var stderr = process.StandardError.ReadToEndAsync();
        try
        {
            await WaitForPathAsync(sock);
            using (var poke = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified))
                await poke.ConnectAsync(new UnixDomainSocketEndPoint(sock));
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            await process.WaitForExitAsync(cts.Token);

            Assert.Equal(1, process.ExitCode);
            Assert.Contains("too few socket activated files passed in by systemd", await stderr);
        }
        finally
        {
            if (!process.HasExited) process.Kill();
        }
    }

    [Fact]
    public async Task ActivatedLoopbackTcp_WithTls_ServesMutualTls()
    {
        using var pki = await TestPki.CreateAsync();
        using var dir = new TempDir("moat-activate-tls");
        int port = RawHttp.FreeTcpPort();
        string notify = dir.Combine("notify.sock");
        using var listener = new NotifyListener(notify);
        using var process = StartActivated(dir, $"127.0.0.1:{port}", notify, pki.DaemonFlags());
        try
        {
            await Task.Delay(200);
            var version = await DockerCli.RunAsync($"tcp://127.0.0.1:{port}", [.. pki.ClientFlags(pki.ClientCert, pki.ClientKey), "version", "--format", "{{.Server.Version}}"]);
            Assert.True(version.ExitCode == 0, version.ToString());
            Assert.Equal("28.2.2-moat", version.Stdout.Trim());
            await listener.WaitForAsync("READY=1");

            var rogue = await DockerCli.RunAsync($"tcp://127.0.0.1:{port}", [.. pki.ClientFlags(pki.RogueCert, pki.RogueKey), "version"]);
            Assert.NotEqual(0, rogue.ExitCode);
        }
        finally
        {
            DockerCli.Kill(process.Id, 15);
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            await process.WaitForExitAsync(cts.Token);
        }
    }
}
