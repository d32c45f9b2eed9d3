using System.Text.Json;
using Moat.Compat.Tests.Infrastructure;

namespace Moat.Compat.Tests.Transport;

/// <summary>`docker info` and `docker system info --format` with the real CLI over every transport moatd serves.</summary>
public sealed class InfoOverTransportsTests : IAsyncLifetime
{
    private TestPki _pki = null!;

    public async ValueTask InitializeAsync() => _pki = await TestPki.CreateAsync();

    public ValueTask DisposeAsync()
    {
        _pki.Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>Starts moatd for <paramref name="transport"/>; returns the daemon, the -H for the CLI and the CLI's TLS flags.</summary>
    private async Task<(MoatDaemon Daemon, string Host, string[] Flags)> StartAsync(string transport)
    {
        if (transport == "unix")
        {
            var unix = await MoatDaemon.StartAsync();
            return (unix, unix.Host, []);
        }
        int port = RawHttp.FreeTcpPort();
        string host = $"tcp://127.0.0.1:{port}";
        string[] daemonFlags = transport switch
        {
            "tcp" => [],
            "tls" => _pki.DaemonFlags(verify: false),
            _ => _pki.DaemonFlags(verify: true),
        };
        string[] cliFlags = transport switch
        {
            "tcp" => [],
            "tls" => ["--tlsverify", "--tlscacert", _pki.CaCert],
            _ => _pki.ClientFlags(_pki.ClientCert, _pki.ClientKey),
        };
        var daemon = await MoatDaemon.StartAsync(args: ["-H", host, .. daemonFlags]);
        return (daemon, host, cliFlags);
    }

    [Theory]
    [InlineData("unix")]
    [InlineData("tcp")]
    [InlineData("tls")]
    [InlineData("mtls")]
    public async Task DockerInfo_Works(string transport)
    {
        var (daemon, host, flags) = await StartAsync(transport);
        await using var _ = daemon;

        var info = await DockerCli.RunAsync(host, [.. flags, "info"], timeout: TimeSpan.FromSeconds(30));

        Assert.True(info.ExitCode == 0, $"{info}\nmoatd:\n{daemon.Output}");
        Assert.Contains("Server Version: 28.2.2-moat", info.Stdout);
        Assert.Contains("Docker Root Dir: " + daemon.DataRoot, info.Stdout);
        Assert.Contains("Debug Mode: false", info.Stdout);
    }

    [Theory]
    [InlineData("unix")]
    [InlineData("tcp")]
    [InlineData("tls")]
    [InlineData("mtls")]
    public async Task DockerSystemInfo_FormatServerVersion_Works(string transport)
    {
        var (daemon, host, flags) = await StartAsync(transport);
        await using var _ = daemon;

        var result = await DockerCli.RunAsync(host, [.. flags, "system", "info", "--format", "{{.ServerVersion}}"], timeout: TimeSpan.FromSeconds(30));

        Assert.True(result.ExitCode == 0, $"{result}\nmoatd:\n{daemon.Output}");
        Assert.Equal("28.2.2-moat", result.Stdout.Trim());
    }

    [Fact]
    public async Task LoopbackPlainTcp_InfoWarnings_CarryDockerdsNotice()
    {
        var (daemon, host, _) = await StartAsync("tcp");
        await using var __ = daemon;

        var result = await DockerCli.RunAsync(host, ["info", "--format", "{{json .Warnings}}"]);

        Assert.True(result.ExitCode == 0, result.ToString());
        var warnings = JsonSerializer.Deserialize<string[]>(result.Stdout.Trim())!;
        string port = host[(host.LastIndexOf(':') + 1)..];
        Assert.Contains(warnings, w => w.StartsWith($"[DEPRECATION NOTICE]: API is accessible on http://127.0.0.1:{port} without encryption.", StringComparison.Ordinal));
    }

    [Fact]
    public async Task MutualTls_InfoWarnings_HaveNoListenerNotice()
    {
        var (daemon, host, flags) = await StartAsync("mtls");
        await using var _ = daemon;

        var result = await DockerCli.RunAsync(host, [.. flags, "info", "--format", "{{json .Warnings}}"]);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.DoesNotContain("API is accessible on", result.Stdout);
        Assert.DoesNotContain("TLS server certificate", result.Stdout);
    }
}
