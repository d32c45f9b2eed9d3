using System.Text.Json;
using Moat.Compat.Tests.Infrastructure;

namespace Moat.Compat.Tests.SystemInfo;

public sealed class InfoTests
{
    [Fact]
    public async Task DockerInfo_PrintsCleanly()
    {
        await using var daemon = await MoatDaemon.StartAsync();

        var result = await daemon.DockerAsync("info");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains(" Server Version: 28.2.2-moat", result.Stdout);
        Assert.Contains($" Docker Root Dir: {daemon.DataRoot}", result.Stdout);
        Assert.Contains(" Cgroup Version: ", result.Stdout);
        Assert.Contains("  seccomp\n   Profile: builtin", result.Stdout);
        Assert.Contains(" Architecture: x86_64", result.Stdout);
        Assert.DoesNotContain("ERROR", result.Stderr);
        Assert.DoesNotContain("template", result.Stderr);
        Assert.Contains("WARNING: No authorization policy is configured", result.Stderr);
    }

    [Fact]
    public async Task DockerInfo_FormatJson_HasServerFields()
    {
        await using var daemon = await MoatDaemon.StartAsync();

        var result = await daemon.DockerAsync("info", "--format", "{{json .}}");

        Assert.True(result.ExitCode == 0, result.ToString());
        var info = JsonDocument.Parse(result.Stdout).RootElement;
        Assert.Equal("28.2.2-moat", info.GetProperty("ServerVersion").GetString());
        Assert.Equal(daemon.DataRoot, info.GetProperty("DockerRootDir").GetString());
        Assert.Equal(File.ReadAllText(Path.Combine(daemon.DataRoot, "engine-id")), info.GetProperty("ID").GetString());
        Assert.Equal(File.ReadAllText("/proc/sys/kernel/hostname").Trim(), info.GetProperty("Name").GetString());
        Assert.Equal(Environment.ProcessorCount, info.GetProperty("NCPU").GetInt32());
        Assert.False(info.TryGetProperty("ServerErrors", out _), result.Stdout);
    }

    [Fact]
    public async Task DockerSystemInfo_FormatField()
    {
        await using var daemon = await MoatDaemon.StartAsync();

        var result = await daemon.DockerAsync("system", "info", "--format", "{{.ServerVersion}} {{.OSType}} {{.Swarm.LocalNodeState}}");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("28.2.2-moat linux inactive", result.Stdout.Trim());
    }

    [Fact]
    public async Task DockerInfo_EngineIdSurvivesRestart()
    {
        using var dir = new TempDir("moatd-restart");
        string first;
        var daemon = MoatDaemon.Launch(dir, null, null);
        try
        {
            await daemon.WaitReadyAsync(TimeSpan.FromSeconds(20));
            first = (await daemon.DockerAsync("info", "--format", "{{.ID}}")).Stdout.Trim();
        }
        finally
        {
            daemon.Signal(15);
            await daemon.WaitForExitAsync(TimeSpan.FromSeconds(15));
        }

        var again = MoatDaemon.Launch(dir, null, null);
        try
        {
            await again.WaitReadyAsync(TimeSpan.FromSeconds(20));
            string second = (await again.DockerAsync("info", "--format", "{{.ID}}")).Stdout.Trim();

            Assert.True(Guid.TryParse(first, out _), first);
            Assert.Equal(first, second);
        }
        finally
        {
            again.Signal(15);
            await again.WaitForExitAsync(TimeSpan.FromSeconds(15));
        }
    }

    [Fact]
    public async Task DebugDaemon_InfoShowsDebugAndLogsEachRequest()
    {
        await using var daemon = await MoatDaemon.StartAsync(args: ["--debug"]);

        var result = await daemon.DockerAsync("info");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("  File Descriptors: ", result.Stdout);
        Assert.Contains("  EventsListeners: 0", result.Stdout);
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (!daemon.Output.Contains("GET /v1.50/info") && DateTime.UtcNow < deadline) await Task.Delay(50, TestContext.Current.CancellationToken);
        Assert.Contains("GET /v1.50/info query=- status=200", daemon.Output);
        Assert.Contains("action=system.info", daemon.Output);
    }

    [Fact]
    public async Task DockerSystemDf_PrintsTable()
    {
        await using var daemon = await MoatDaemon.StartAsync();

        var result = await daemon.DockerAsync("system", "df");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("Images", result.Stdout);
        Assert.Contains("Local Volumes", result.Stdout);
        Assert.Contains("Build Cache", result.Stdout);
    }
}
