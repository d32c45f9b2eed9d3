using Moat.Compat.Tests.Infrastructure;

namespace Moat.Compat.Tests.Containers;

/// <summary>docker logs with every option, over the json-file driver.</summary>
public sealed class ContainerLogsTests(BusyboxDaemonFixture fixture) : IClassFixture<BusyboxDaemonFixture>
{
    private MoatDaemon Daemon => fixture.Daemon;

    private async Task<CliResult> OkAsync(params string[] args)
    {
        var r = await Daemon.DockerAsync(args);
        Assert.True(r.ExitCode == 0, $"docker {string.Join(' ', args)}: {r}");
        return r;
    }

    [Fact]
    public async Task Logs_AllOptions()
    {
        await OkAsync("run", "--name", "talker", "busybox", "sh", "-c", "for i in 1 2 3 4 5; do echo out$i; echo err$i >&2; done");

        var all = await OkAsync("logs", "talker");
        Assert.Equal("out1\nout2\nout3\nout4\nout5\n", all.Stdout);
        Assert.Equal("err1\nerr2\nerr3\nerr4\nerr5\n", all.Stderr);

        // stdout and stderr are separate pipes, so their relative order in the log is not fixed: count lines.
        var tail = await OkAsync("logs", "--tail", "3", "talker");
        Assert.Equal(3, (tail.Stdout + tail.Stderr).Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.True(tail.Stdout.Contains("out5") || tail.Stderr.Contains("err5"), tail.ToString());

        var stamped = await OkAsync("logs", "-t", "--tail", "1", "talker");
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z (out|err)\d\n$", stamped.Stdout + stamped.Stderr);

        var future = await OkAsync("logs", "--since", DateTimeOffset.UtcNow.AddMinutes(5).ToUnixTimeSeconds().ToString(), "talker");
        Assert.Equal("", future.Stdout + future.Stderr);
        var past = await OkAsync("logs", "--until", "2000-01-01T00:00:00Z", "talker");
        Assert.Equal("", past.Stdout + past.Stderr);
        var since = await OkAsync("logs", "--since", "2000-01-01T00:00:00Z", "talker");
        Assert.Contains("out3", since.Stdout);

        var missing = await Daemon.DockerAsync("logs", "nobody-here");
        Assert.Contains("No such container: nobody-here", missing.Stderr);
        await OkAsync("rm", "talker");
    }

    [Fact]
    public async Task LogsFollow_EndsWhenContainerExits()
    {
        await OkAsync("run", "-d", "--name", "follower", "busybox", "sh", "-c", "echo first; sleep 1; echo second");
        var follow = await Daemon.DockerAsync(["logs", "-f", "follower"], timeout: TimeSpan.FromSeconds(20));
        Assert.Equal(0, follow.ExitCode);
        Assert.Equal("first\nsecond\n", follow.Stdout);
        await OkAsync("rm", "follower");
    }

    [Fact]
    public async Task Logs_RotateAtMaxSize()
    {
        await OkAsync("run", "--name", "rotator", "--log-opt", "max-size=1k", "--log-opt", "max-file=2", "busybox", "sh", "-c", "i=0; while [ $i -lt 200 ]; do echo line$i; i=$((i+1)); done");
        var logs = await OkAsync("logs", "rotator");
        Assert.Contains("line199", logs.Stdout);
        Assert.DoesNotContain("line0\n", logs.Stdout);
        await OkAsync("rm", "rotator");
    }
}
