using Moat.Compat.Tests.Infrastructure;

namespace Moat.Compat.Tests.Containers;

/// <summary>Restart policies, live-restore across kill -9 of moatd, and reconciliation of exits while moatd was down.</summary>
public sealed class RestartAndRecoveryTests
{
    private static async Task<string> EventuallyAsync(MoatDaemon daemon, string container, string format, string expected, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        string last = "";
        while (DateTime.UtcNow < deadline)
        {
            last = (await daemon.DockerAsync("inspect", "-f", format, container)).Stdout.Trim();
            if (last == expected) return last;
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }
        return last;
    }

    [Fact]
    public async Task RestartPolicy_OnFailure_RetriesThenStops()
    {
        await using var daemon = await MoatDaemon.StartAsync();
        await BusyboxImage.ImportAsync(daemon);
        await daemon.DockerOkAsync("run", "-d", "--name", "flaky", "--restart", "on-failure:2", "busybox", "sh", "-c", "exit 4");
        Assert.Equal("exited 2 4", await EventuallyAsync(daemon, "flaky", "{{.State.Status}} {{.RestartCount}} {{.State.ExitCode}}", "exited 2 4", TimeSpan.FromSeconds(20)));

        await daemon.DockerOkAsync("run", "-d", "--name", "always", "--restart", "always", "busybox", "sh", "-c", "sleep 0.2; exit 0");
        Assert.Equal("true", await EventuallyAsync(daemon, "always", "{{ge .RestartCount 2}}", "true", TimeSpan.FromSeconds(20)));
        await daemon.DockerOkAsync("stop", "-t", "1", "always");
        string count = await daemon.DockerOkAsync("inspect", "-f", "{{.RestartCount}}", "always");
        await Task.Delay(1000, TestContext.Current.CancellationToken);
        Assert.Equal("exited", await daemon.DockerOkAsync("inspect", "-f", "{{.State.Status}}", "always"));
        Assert.Equal(count, await daemon.DockerOkAsync("inspect", "-f", "{{.RestartCount}}", "always"));
        await daemon.DockerOkAsync("rm", "-f", "flaky", "always");
    }

    [Fact]
    public async Task LiveRestore_KillDaemon_ContainersKeepRunningAndAreReadopted()
    {
        using var dir = new TempDir("moatd-live");
        var daemon = MoatDaemon.Launch(dir, """{"live-restore": true}""", null);
        try
        {
            await daemon.WaitReadyAsync(TimeSpan.FromSeconds(20));
            await BusyboxImage.ImportAsync(daemon);
            await daemon.DockerOkAsync("run", "-d", "--name", "survivor", "busybox", "sh", "-c", "echo before; trap 'exit 9' TERM; while true; do sleep 0.1; done");
            await daemon.DockerOkAsync("run", "-d", "--name", "shortlived", "busybox", "sh", "-c", "sleep 2; exit 6");
            string pid = await daemon.DockerOkAsync("inspect", "-f", "{{.State.Pid}}", "survivor");

            daemon.KillHard();
            await Task.Delay(3000, TestContext.Current.CancellationToken); // shortlived exits while moatd is down

            daemon = MoatDaemon.Launch(dir, """{"live-restore": true}""", null);
            await daemon.WaitReadyAsync(TimeSpan.FromSeconds(20));

            Assert.Equal($"running {pid}", await daemon.DockerOkAsync("inspect", "-f", "{{.State.Status}} {{.State.Pid}}", "survivor"));
            Assert.Equal("exited 6", await EventuallyAsync(daemon, "shortlived", "{{.State.Status}} {{.State.ExitCode}}", "exited 6", TimeSpan.FromSeconds(10)));
            Assert.Contains("before", (await daemon.DockerAsync("logs", "survivor")).Stdout);

            await daemon.DockerOkAsync("stop", "survivor");
            Assert.Equal("exited 9", await daemon.DockerOkAsync("inspect", "-f", "{{.State.Status}} {{.State.ExitCode}}", "survivor"));
            await daemon.DockerOkAsync("rm", "survivor", "shortlived");
        }
        finally
        {
            await daemon.DisposeAsync();
        }
    }

    [Fact]
    public async Task WithoutLiveRestore_CleanShutdownStopsContainers()
    {
        using var dir = new TempDir("moatd-stop");
        var daemon = MoatDaemon.Launch(dir, "{}", null);
        try
        {
            await daemon.WaitReadyAsync(TimeSpan.FromSeconds(20));
            await BusyboxImage.ImportAsync(daemon);
            await daemon.DockerOkAsync("run", "-d", "--name", "stopped-by-daemon", "busybox", "sh", "-c", "trap 'exit 5' TERM; while true; do sleep 0.1; done");
            string pid = await daemon.DockerOkAsync("inspect", "-f", "{{.State.Pid}}", "stopped-by-daemon");
            daemon.Signal(15);
            await daemon.WaitForExitAsync(TimeSpan.FromSeconds(30));
            Assert.False(Directory.Exists($"/proc/{pid}"), "the container's process outlived a clean moatd shutdown");

            daemon = MoatDaemon.Launch(dir, "{}", null);
            await daemon.WaitReadyAsync(TimeSpan.FromSeconds(20));
            Assert.Equal("exited 5", await daemon.DockerOkAsync("inspect", "-f", "{{.State.Status}} {{.State.ExitCode}}", "stopped-by-daemon"));
            await daemon.DockerOkAsync("rm", "stopped-by-daemon");
        }
        finally
        {
            await daemon.DisposeAsync();
        }
    }
}
