using System.Diagnostics;
using Moat.Compat.Tests.Infrastructure;

namespace Moat.Compat.Tests.SystemInfo;

public sealed class EventsTests
{
    [Fact]
    public async Task DockerEvents_SinceUntil_ReturnsQuickly()
    {
        await using var daemon = await MoatDaemon.StartAsync();
        long until = DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 1;
        var watch = Stopwatch.StartNew();

        var result = await daemon.DockerAsync(["events", "--since", "0", "--until", until.ToString(), "--format", "{{json .}}"], timeout: TimeSpan.FromSeconds(20));

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"took {watch.Elapsed}");
        foreach (var line in result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            Assert.StartsWith("{", line);
    }

    [Fact]
    public async Task DockerEvents_RelativeTimesAndFilters_Accepted()
    {
        await using var daemon = await MoatDaemon.StartAsync();

        var result = await daemon.DockerAsync(["events", "--since", "10m", "--until", "0s", "--filter", "type=container", "--filter", "event=start"], timeout: TimeSpan.FromSeconds(20));

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("", result.Stderr);
    }

    [Fact]
    public async Task DockerEvents_SinceAfterUntil_ShowsDaemonError()
    {
        await using var daemon = await MoatDaemon.StartAsync();

        var result = await daemon.DockerAsync(["events", "--since", "200", "--until", "100"], timeout: TimeSpan.FromSeconds(20));

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("Error response from daemon: `since` time (200) cannot be after `until` time (100)", result.Stderr);
    }
}
