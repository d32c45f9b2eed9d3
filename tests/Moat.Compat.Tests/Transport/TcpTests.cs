using Moat.Compat.Tests.Infrastructure;

namespace Moat.Compat.Tests.Transport;

public sealed class TcpTests
{
    [Fact]
    public async Task LoopbackTcp_Works_WithDockerdsThreeWarnings()
    {
        int port = RawHttp.FreeTcpPort();
        await using var daemon = await MoatDaemon.StartAsync(args: ["-H", $"tcp://127.0.0.1:{port}"]);

        var version = await DockerCli.RunAsync($"tcp://127.0.0.1:{port}", ["version", "--format", "{{.Server.Version}}"]);

        Assert.True(version.ExitCode == 0, version.ToString());
        Assert.Equal("28.2.2-moat", version.Stdout.Trim());
        Assert.Contains($"level=warning msg=\"Binding to IP address without --tlsverify is insecure and gives root access on this machine to everyone who has access to your network.\" host=\"tcp://127.0.0.1:{port}\"", daemon.Output);
        Assert.Contains("Binding to an IP address, even on localhost, can also give access to scripts run in a browser. Be safe out there!", daemon.Output);
        Assert.Contains("[DEPRECATION NOTICE] In future versions this will be a hard failure preventing the daemon from starting!", daemon.Output);
    }

    [Fact]
    public async Task LocalhostName_Works()
    {
        int port = RawHttp.FreeTcpPort();
        await using var daemon = await MoatDaemon.StartAsync(args: ["-H", $"tcp://localhost:{port}"]);

        var plain = await DockerCli.RunAsync($"tcp://localhost:{port}", ["version", "--format", "{{.Server.Os}}"]);

        Assert.True(plain.ExitCode == 0, plain.ToString());
        Assert.Equal("linux", plain.Stdout.Trim());
    }

    [Theory]
    [InlineData("tcp://0.0.0.0:{0}")]
    [InlineData("tcp://192.0.2.2:{0}")]
    [InlineData("tcp://[::]:{0}")]
    public async Task NonLoopbackPlainTcp_RefusesToStart_AndSaysHowToSetUpTls(string hostFormat)
    {
        int port = RawHttp.FreeTcpPort();
        string host = string.Format(hostFormat, port);
        using var dir = new TempDir("moatd-tcp");

        await using var daemon = MoatDaemon.Launch(dir, null, ["-H", host]);
        int code = await daemon.WaitForExitAsync(TimeSpan.FromSeconds(20));

        Assert.Equal(1, code);
        Assert.Contains($"refusing to serve the API on {host} without TLS", daemon.Output);
        Assert.Contains("--tlsverify", daemon.Output);
        Assert.Contains("--tlscacert", daemon.Output);
        Assert.Contains("moat pki", daemon.Output);
        Assert.False(File.Exists(daemon.SocketPath), "nothing may be served when one listener is refused");
    }

    [Fact]
    public async Task BadHostAddress_RefusesWithDockerdsText()
    {
        using var dir = new TempDir("moatd-badhost");

        await using var daemon = MoatDaemon.Launch(dir, null, ["-H", "tcp://127.0.0.1:2375/path"]);
        int code = await daemon.WaitForExitAsync(TimeSpan.FromSeconds(20));

        Assert.Equal(1, code);
        Assert.Contains("invalid bind address (tcp://127.0.0.1:2375/path): should not contain a path element", daemon.Output);
    }
}
