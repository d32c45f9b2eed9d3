using Moat.Compat.Tests.Containers;
using Moat.Compat.Tests.Infrastructure;

namespace Moat.Compat.Tests.Streams;

/// <summary>Attach as the docker CLI drives it: piped stdin, separate stdout/stderr, logs -f, detach-key errors.</summary>
public sealed class AttachTests(BusyboxDaemonFixture fixture) : IClassFixture<BusyboxDaemonFixture>
{
    private MoatDaemon Daemon => fixture.Daemon;


    [Fact]
    public async Task RunInteractive_Piped100MiB_RoundTripsUnchanged()
    {
        const long size = 100L * 1024 * 1024;
        var r = await StreamingDocker.PipeAsync(Daemon, size, TimeSpan.FromMinutes(3), "run", "-i", "--rm", "busybox", "cat");
        Assert.True(r.ExitCode == 0, $"exit {r.ExitCode}: {r.Stderr}");
        Assert.Equal(size, r.OutputBytes);
        Assert.Equal(r.InputSha256, r.OutputSha256);
    }

    [Fact]
    public async Task RunInteractive_EchoThroughCat_EndsAtStdinEof()
    {
        var r = await Daemon.DockerAsync(["run", "-i", "--rm", "busybox", "sh", "-c", "cat; echo after-eof"], stdin: "line one\nline two\n", timeout: TimeSpan.FromSeconds(30));
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal("line one\nline two\nafter-eof", r.Stdout.Trim());
    }

    [Fact]
    public async Task Run_NonTty_StdoutAndStderrKeptApart()
    {
        var r = await Daemon.DockerAsync("run", "--rm", "busybox", "sh", "-c", "echo to-out; echo to-err >&2; echo more-out");
        Assert.Equal(0, r.ExitCode);
        Assert.Equal("to-out\nmore-out", r.Stdout.Trim());
        Assert.Contains("to-err", r.Stderr);
        Assert.DoesNotContain("to-out", r.Stderr);
    }

    [Fact]
    public async Task LogsFollow_ContainerPrintsAndExits_EndsWithEverything()
    {
        await Daemon.DockerOkAsync("run", "-d", "--name", "follow-me", "busybox", "sh", "-c", "sleep 1; for i in 1 2 3; do echo line$i; echo err$i >&2; sleep 0.2; done");
        var r = await Daemon.DockerAsync(["logs", "-f", "follow-me"], timeout: TimeSpan.FromSeconds(30));
        Assert.Equal(0, r.ExitCode);
        Assert.Equal("line1\nline2\nline3", r.Stdout.Trim());
        Assert.Equal("err1\nerr2\nerr3", string.Join('\n', r.Stderr.Split('\n').Where(l => l.StartsWith("err", StringComparison.Ordinal))));
        await Daemon.DockerOkAsync("rm", "follow-me");
    }

    [Fact]
    public async Task StartAttach_ContainerExits_AllOutputDelivered()
    {
        await Daemon.DockerOkAsync("create", "--name", "start-a", "busybox", "sh", "-c", "seq 1 2000");
        var r = await Daemon.DockerAsync(["start", "-a", "start-a"], timeout: TimeSpan.FromSeconds(30));
        Assert.Equal(0, r.ExitCode);
        var lines = r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2000, lines.Length);
        Assert.Equal("2000", lines[^1]);
        await Daemon.DockerOkAsync("rm", "start-a");
    }

    [Fact]
    public async Task Run_InvalidDetachKeys_Refused()
    {
        var r = await Daemon.DockerAsync(["run", "-i", "--rm", "--detach-keys", "ctrl-P", "busybox", "true"], stdin: "", timeout: TimeSpan.FromSeconds(30));
        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains("received 400", r.Stderr);
    }

    [Fact]
    public async Task AttachApi_InvalidDetachKeys_DockerdError()
    {
        string id = await Daemon.DockerOkAsync("run", "-d", "busybox", "sleep", "60");
        await using var http = await RawHttp.ConnectUnixAsync(Daemon.SocketPath);
        string reply = await http.SendRawAndReadToEndAsync(
            $"POST /v1.50/containers/{id}/attach?stream=1&stdout=1&detachKeys=ctrl-x,nope HTTP/1.1\r\nHost: d\r\nConnection: Upgrade\r\nUpgrade: tcp\r\nContent-Length: 0\r\n\r\n",
            TimeSpan.FromSeconds(5));
        Assert.StartsWith("HTTP/1.1 400", reply);
        Assert.Contains("Invalid detach keys (ctrl-x,nope) provided", reply);
        await Daemon.DockerOkAsync("rm", "-f", id);
    }

    [Fact]
    public async Task Resize_StoppedContainer_Conflict()
    {
        string id = await Daemon.DockerOkAsync("create", "-t", "busybox", "true");
        await using var http = await RawHttp.ConnectUnixAsync(Daemon.SocketPath);
        string reply = await http.SendRawAndReadToEndAsync(
            $"POST /v1.50/containers/{id}/resize?h=10&w=20 HTTP/1.1\r\nHost: d\r\nConnection: close\r\nContent-Length: 0\r\n\r\n", TimeSpan.FromSeconds(5));
        Assert.StartsWith("HTTP/1.1 409", reply);
        Assert.Contains($"container {id} is not running", reply);
        await Daemon.DockerOkAsync("rm", id);
    }
}
