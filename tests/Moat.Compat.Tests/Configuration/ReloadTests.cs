using Moat.Compat.Tests.Infrastructure;

namespace Moat.Compat.Tests.Configuration;

/// <summary>SIGHUP re-reads daemon.json (with the original flags) and applies dockerd's reloadable keys; `docker info` shows them.</summary>
public sealed class ReloadTests
{
    private static async Task WaitForLogAsync(MoatDaemon daemon, string text)
    {
        for (int i = 0; i < 400 && !daemon.Output.Contains(text); i++) await Task.Delay(25, TestContext.Current.CancellationToken);
        Assert.True(daemon.Output.Contains(text), $"moatd did not log \"{text}\":\n{daemon.Output}");
    }

    [Fact]
    public async Task Sighup_DebugAndLabelsFromDaemonJson_ShowInDockerInfo()
    {
        await using var daemon = await MoatDaemon.StartAsync("""{"labels": ["stage=one"]}""");
        var before = await daemon.DockerAsync("info", "--format", "{{.Debug}} {{json .Labels}}");
        Assert.Equal("false [\"stage=one\"]", before.Stdout.Trim());

        File.WriteAllText(daemon.ConfigFile, """{"debug": true, "labels": ["stage=two", "team=moat"]}""");
        daemon.Signal(1);
        await WaitForLogAsync(daemon, "Reloaded configuration");

        var info = await daemon.DockerAsync("info");
        var labels = await daemon.DockerAsync("system", "info", "--format", "{{json .Labels}}");
        Assert.True(info.ExitCode == 0, info.ToString());
        Assert.Contains("Debug Mode: true", info.Stdout);
        Assert.Equal("[\"stage=two\",\"team=moat\"]", labels.Stdout.Trim());
    }

    [Fact]
    public async Task Sighup_BrokenDaemonJson_KeepsOldConfig_AndLogsError()
    {
        await using var daemon = await MoatDaemon.StartAsync("""{"debug": true, "labels": ["keep=me"]}""");

        File.WriteAllText(daemon.ConfigFile, """{"debug": false, "labels": ["lost""");
        daemon.Signal(1);
        await WaitForLogAsync(daemon, "Error reloading configuration");

        var info = await daemon.DockerAsync("info", "--format", "{{.Debug}} {{json .Labels}}");
        Assert.True(info.ExitCode == 0, info.ToString());
        Assert.Equal("true [\"keep=me\"]", info.Stdout.Trim());
        Assert.DoesNotContain("Reloaded configuration", daemon.Output);
        Assert.False(daemon.HasExited);
    }

    [Fact]
    public async Task Sighup_DaemonJsonConflictingWithFlag_KeepsOldConfig()
    {
        // The file is re-checked against the original command line: a key given both ways is refused, as at start.
        await using var daemon = await MoatDaemon.StartAsync("{}", ["--label", "from=flag"]);

        File.WriteAllText(daemon.ConfigFile, """{"labels": ["from=file"]}""");
        daemon.Signal(1);
        await WaitForLogAsync(daemon, "Error reloading configuration");

        var info = await daemon.DockerAsync("info", "--format", "{{json .Labels}}");
        Assert.Equal("[\"from=flag\"]", info.Stdout.Trim());
        Assert.Contains("labels", daemon.Output[daemon.Output.IndexOf("Error reloading configuration", StringComparison.Ordinal)..]);
    }

    [Fact]
    public async Task Sighup_ReloadEventActor_IsTheEngineIdOfDockerInfo_AndOfDataRootFile()
    {
        await using var daemon = await MoatDaemon.StartAsync();

        daemon.Signal(1);
        await WaitForLogAsync(daemon, "Reloaded configuration");
        long until = DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 1;
        var events = await daemon.DockerAsync(["events", "--since", "0", "--until", until.ToString(), "--filter", "type=daemon", "--format", "{{.Action}} {{.Actor.ID}}"], timeout: TimeSpan.FromSeconds(20));
        var id = await daemon.DockerAsync("info", "--format", "{{.ID}}");

        Assert.True(events.ExitCode == 0, events.ToString());
        string engineId = id.Stdout.Trim();
        Assert.True(Guid.TryParse(engineId, out _), id.ToString());
        Assert.Equal($"reload {engineId}", events.Stdout.Trim());
        Assert.Equal(engineId, File.ReadAllText(Path.Combine(daemon.DataRoot, "engine-id")).Trim());
    }
}
