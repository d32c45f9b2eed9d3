using Moat.Compat.Tests.Containers;
using Moat.Compat.Tests.Infrastructure;

namespace Moat.Compat.Tests.Streams;

/// <summary>docker exec without a TTY: output, stdin, exit codes, errors, inspect and events.</summary>
public sealed class ExecTests(BusyboxDaemonFixture fixture) : IClassFixture<BusyboxDaemonFixture>
{
    private MoatDaemon Daemon => fixture.Daemon;


    private async Task<string> RunningAsync(string name)
    {
        string id = await Daemon.DockerOkAsync("run", "-d", "--name", name, "busybox", "sleep", "300");
        return id;
    }

    [Fact]
    public async Task Exec_ExitCodes_PropagateToCli()
    {
        await RunningAsync("exec-codes");
        var seven = await Daemon.DockerAsync("exec", "exec-codes", "sh", "-c", "echo out; echo err >&2; exit 7");
        Assert.Equal(7, seven.ExitCode);
        Assert.Equal("out", seven.Stdout.Trim());
        Assert.Contains("err", seven.Stderr);

        var missing = await Daemon.DockerAsync("exec", "exec-codes", "no-such-binary");
        Assert.Equal(127, missing.ExitCode);
        Assert.Contains("executable file not found", missing.Stdout + missing.Stderr);

        Assert.Equal(0, (await Daemon.DockerAsync("exec", "exec-codes", "true")).ExitCode);
        await Daemon.DockerOkAsync("rm", "-f", "exec-codes");
    }

    [Fact]
    public async Task Exec_Interactive_StdinReachesProcess()
    {
        await RunningAsync("exec-stdin");
        var r = await Daemon.DockerAsync(["exec", "-i", "exec-stdin", "sh", "-c", "wc -l; echo done"], stdin: "a\nb\nc\n", timeout: TimeSpan.FromSeconds(30));
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal("3\ndone", r.Stdout.Trim());
        await Daemon.DockerOkAsync("rm", "-f", "exec-stdin");
    }

    [Fact]
    public async Task Exec_Options_UserEnvWorkdirApplied()
    {
        await RunningAsync("exec-opts");
        string output = await Daemon.DockerOkAsync("exec", "-u", "nobody", "-e", "GREETING=hello", "-w", "/tmp", "exec-opts", "sh", "-c", "id -u; echo $GREETING; pwd");
        Assert.Equal("65534\nhello\n/tmp", output);
        await Daemon.DockerOkAsync("rm", "-f", "exec-opts");
    }

    [Fact]
    public async Task Exec_ConfinedLikeContainer_SameNamespacesAndNoNewPrivs()
    {
        await RunningAsync("exec-confined");
        string init = await Daemon.DockerOkAsync("exec", "exec-confined", "sh", "-c", "for n in pid mnt net ipc uts; do readlink /proc/1/ns/$n; done");
        string self = await Daemon.DockerOkAsync("exec", "exec-confined", "sh", "-c", "for n in pid mnt net ipc uts; do readlink /proc/self/ns/$n; done");
        Assert.Equal(5, init.Split('\n').Length);
        Assert.Equal(init, self);
        Assert.Equal(await Daemon.DockerOkAsync("exec", "exec-confined", "cat", "/proc/1/cgroup"), await Daemon.DockerOkAsync("exec", "exec-confined", "cat", "/proc/self/cgroup"));
        string status = await Daemon.DockerOkAsync("exec", "exec-confined", "sh", "-c", "grep -E '^(NoNewPrivs|Seccomp):' /proc/self/status");
        Assert.Contains("NoNewPrivs:\t1", status);
        Assert.Contains("Seccomp:\t2", status);
        await Daemon.DockerOkAsync("rm", "-f", "exec-confined");
    }

    [Fact]
    public async Task Exec_StoppedContainer_DockerdConflict()
    {
        string id = await Daemon.DockerOkAsync("run", "-d", "--name", "exec-stopped", "busybox", "true");
        await Daemon.DockerOkAsync("wait", "exec-stopped");
        var r = await Daemon.DockerAsync("exec", "exec-stopped", "true");
        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains($"Error response from daemon: container {id} is not running", r.Stderr);
        await Daemon.DockerOkAsync("rm", "exec-stopped");
    }

    [Fact]
    public async Task Exec_Detached_RecordedAndInspectable()
    {
        string id = await RunningAsync("exec-detached");
        await Daemon.DockerOkAsync("exec", "-d", "exec-detached", "sh", "-c", "sleep 1; touch /tmp/marker");
        Assert.NotEqual("[]", await Daemon.DockerOkAsync("inspect", "-f", "{{json .ExecIDs}}", "exec-detached"));
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while ((await Daemon.DockerAsync("exec", "exec-detached", "test", "-f", "/tmp/marker")).ExitCode != 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "the detached exec never ran");
            await Task.Delay(200, TestContext.Current.CancellationToken);
        }
        // The exit is recorded asynchronously (as in dockerd): the ended exec leaves ExecIDs soon after.
        while (await Daemon.DockerOkAsync("inspect", "-f", "{{json .ExecIDs}}", id) != "null")
        {
            Assert.True(DateTime.UtcNow < deadline, "the ended exec stays in ExecIDs");
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }
        await Daemon.DockerOkAsync("rm", "-f", "exec-detached");
    }

    [Fact]
    public async Task Exec_Events_CreateStartDieWithExitCode()
    {
        string since = DateTimeOffset.UtcNow.AddSeconds(-1).ToUnixTimeSeconds().ToString();
        await RunningAsync("exec-events");
        Assert.Equal(3, (await Daemon.DockerAsync("exec", "exec-events", "sh", "-c", "exit 3")).ExitCode);
        string until = DateTimeOffset.UtcNow.AddSeconds(1).ToUnixTimeSeconds().ToString();
        string events = await Daemon.DockerOkAsync("events", "--since", since, "--until", until, "--filter", "container=exec-events",
            "--format", "{{.Action}}|{{index .Actor.Attributes \"exitCode\"}}");
        Assert.Contains("exec_create: sh -c exit 3|", events);
        Assert.Contains("exec_start: sh -c exit 3|", events);
        Assert.Contains("exec_die|3", events);
        await Daemon.DockerOkAsync("rm", "-f", "exec-events");
    }

    [Fact]
    public async Task ExecApi_UnknownInstance_NotFound()
    {
        await using var http = await RawHttp.ConnectUnixAsync(Daemon.SocketPath);
        var (status, body) = await http.GetAsync("/v1.50/exec/0123456789abcdef/json");
        Assert.Equal(404, status);
        Assert.Contains("No such exec instance: 0123456789abcdef", body);
    }
}
