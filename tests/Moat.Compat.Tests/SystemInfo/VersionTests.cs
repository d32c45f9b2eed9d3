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
}
