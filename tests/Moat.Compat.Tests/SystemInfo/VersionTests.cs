using Moat.Compat.Tests.Infrastructure;

namespace Moat.Compat.Tests.SystemInfo;

public sealed class VersionTests
{
    [Fact]
    public async Task DockerVersion_OverUnixSocket_ShowsMoatEngine()
    {
        await using var daemon = await MoatDaemon.StartAsync();

        var result = await daemon.DockerAsync("version", "--format", "{{.Server.APIVersion}} {{.Server.MinAPIVersion}}");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("1.51 1.24", result.Stdout.Trim());
    }

    [Fact]
    public async Task DockerVersion_Plain_ExitsZeroWithServerSection()
    {
        await using var daemon = await MoatDaemon.StartAsync();

        var result = await daemon.DockerAsync("version");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("Server: Moat Engine", result.Stdout);
        Assert.Contains("Version:          28.2.2-moat", result.Stdout);
    }

    [Fact]
    public async Task DockerVersion_ApiVersionTooOld_ShowsDockerdText()
    {
        await using var daemon = await MoatDaemon.StartAsync();

        var result = await DockerCli.RunAsync(daemon.Host, ["version"], env: new Dictionary<string, string?> { ["DOCKER_API_VERSION"] = "1.23" });

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("Error response from daemon: client version 1.23 is too old. Minimum supported API version is 1.24, please upgrade your client to a newer version", result.Stderr);
    }

    [Fact]
    public async Task DockerVersion_ApiVersionTooNew_ShowsDockerdText()
    {
        await using var daemon = await MoatDaemon.StartAsync();

        var result = await DockerCli.RunAsync(daemon.Host, ["version"], env: new Dictionary<string, string?> { ["DOCKER_API_VERSION"] = "1.52" });

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("Error response from daemon: client version 1.52 is too new. Maximum supported API version is 1.51", result.Stderr);
    }

    [Fact]
    public async Task DockerApiVersionPinned_OldSupportedVersion_Works()
    {
        await using var daemon = await MoatDaemon.StartAsync();

        var result = await DockerCli.RunAsync(daemon.Host, ["info", "--format", "{{.ServerVersion}}"], env: new Dictionary<string, string?> { ["DOCKER_API_VERSION"] = "1.24" });

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("28.2.2-moat", result.Stdout.Trim());
    }
}
