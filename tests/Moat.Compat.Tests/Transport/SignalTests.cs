using System.Net.Sockets;
using System.Text;
using Moat.Compat.Tests.Infrastructure;

namespace Moat.Compat.Tests.Transport;

public sealed class SignalTests
{
    [Fact]
    public async Task ThirdSigterm_ForcesExit_With143()
    {
        await using var daemon = await MoatDaemon.StartAsync();
        // A request whose headers never finish keeps the graceful shutdown waiting.
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await socket.ConnectAsync(new UnixDomainSocketEndPoint(daemon.SocketPath), TestContext.Current.CancellationToken);
        await socket.SendAsync(Encoding.ASCII.GetBytes("GET /_ping HTTP/1.1\r\nHost: x\r\n"), TestContext.Current.CancellationToken);
        await Task.Delay(200, TestContext.Current.CancellationToken);

        daemon.Signal(15);
        await Task.Delay(300, TestContext.Current.CancellationToken);
        Assert.False(daemon.HasExited, "graceful shutdown should still be waiting for the open request");
        // Apart: the kernel merges a signal that is sent again before the first one was delivered.
        daemon.Signal(15);
        await Task.Delay(200, TestContext.Current.CancellationToken);
        daemon.Signal(15);
        int code = await daemon.WaitForExitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(128 + 15, code);
        Assert.Contains("Forcing docker daemon shutdown without cleanup; 3 interrupts received", daemon.Output);
    }

    [Fact]
    public async Task Sighup_LogsReload_AndKeepsServing()
    {
        await using var daemon = await MoatDaemon.StartAsync();

        daemon.Signal(1);
        for (int i = 0; i < 200 && !daemon.Output.Contains("Reloaded configuration"); i++) await Task.Delay(25, TestContext.Current.CancellationToken);
        var result = await daemon.DockerAsync("version", "--format", "{{.Server.Version}}");

        Assert.Contains("Got signal to reload configuration", daemon.Output);
        Assert.Contains("Reloaded configuration", daemon.Output);
        Assert.True(result.ExitCode == 0, result.ToString());
    }
}
