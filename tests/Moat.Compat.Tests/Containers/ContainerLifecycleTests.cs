using System.Text.Json;
using Moat.Compat.Tests.Infrastructure;

namespace Moat.Compat.Tests.Containers;

/// <summary>The docker CLI's container commands against moatd: run attached and detached, exit codes, lifecycle, errors.</summary>
public sealed class ContainerLifecycleTests(BusyboxDaemonFixture fixture) : IClassFixture<BusyboxDaemonFixture>
{
    private MoatDaemon Daemon => fixture.Daemon;


    [Fact]
    public async Task Run_Attached_PrintsOutputAndPropagatesExitCode()
    {
        var r = await Daemon.DockerAsync("run", "--name", "attached", "busybox", "sh", "-c", "echo hi; echo oops >&2; exit 3");
        Assert.Equal(3, r.ExitCode);
        Assert.Equal("hi", r.Stdout.Trim());
        Assert.Contains("oops", r.Stderr);
        Assert.Equal("exited 3", await Daemon.DockerOkAsync("inspect", "-f", "{{.State.Status}} {{.State.ExitCode}}", "attached"));
        await Daemon.DockerOkAsync("rm", "attached");
    }

    [Fact]
    public async Task Run_Remove_LeavesNoContainer()
    {
        var r = await Daemon.DockerAsync("run", "--rm", "--name", "gone", "busybox", "echo", "bye");
        Assert.Equal(0, r.ExitCode);
        Assert.Equal("bye", r.Stdout.Trim());
        var inspect = await Daemon.DockerAsync("inspect", "gone");
        Assert.NotEqual(0, inspect.ExitCode);
        Assert.Contains("No such object: gone", inspect.Stderr);
    }

    [Fact]
    public async Task Run_MissingExecutable_Exits127()
    {
        var r = await Daemon.DockerAsync("run", "--rm", "busybox", "/no/such/binary");
        Assert.Equal(127, r.ExitCode);
    }

    [Fact]
    public async Task Run_UnknownImage_Exits125()
    {
        var r = await Daemon.DockerAsync("run", "--rm", "--pull", "never", "nosuchimage:1");
        Assert.Equal(125, r.ExitCode);
        Assert.Contains("No such image: nosuchimage:1", r.Stderr);
    }

    [Fact]
    public async Task Detached_StartStopRemove_StateFollows()
    {
        string id = await Daemon.DockerOkAsync("run", "-d", "--name", "sleeper", "--label", "role=test", "busybox", "sleep", "300");
        Assert.Equal(64, id.Length);
        Assert.Equal("running", await Daemon.DockerOkAsync("inspect", "-f", "{{.State.Status}}", "sleeper"));
        Assert.Contains("sleeper", await Daemon.DockerOkAsync("ps", "--filter", "label=role=test", "--format", "{{.Names}}"));
        Assert.Equal(id[..12], await Daemon.DockerOkAsync("ps", "-q", "--filter", "name=sleeper"));

        var rm = await Daemon.DockerAsync("rm", "sleeper");
        Assert.NotEqual(0, rm.ExitCode);
        Assert.Contains("container is running: stop the container before removing or force remove", rm.Stderr);

        await Daemon.DockerOkAsync("stop", "-t", "1", "sleeper");
        Assert.Equal("exited 137", await Daemon.DockerOkAsync("inspect", "-f", "{{.State.Status}} {{.State.ExitCode}}", "sleeper"));
        Assert.Contains("sleeper", await Daemon.DockerOkAsync("ps", "-a", "--filter", "status=exited", "--format", "{{.Names}}"));
        Assert.DoesNotContain("sleeper", await Daemon.DockerOkAsync("ps", "--format", "{{.Names}}"));

        var kill = await Daemon.DockerAsync("kill", "sleeper");
        Assert.NotEqual(0, kill.ExitCode);
        Assert.Contains("is not running", kill.Stderr);

        await Daemon.DockerOkAsync("start", "sleeper");
        Assert.Equal("running", await Daemon.DockerOkAsync("inspect", "-f", "{{.State.Status}}", "sleeper"));
        await Daemon.DockerOkAsync("kill", "-s", "KILL", "sleeper");
        Assert.Equal("exited 137", await Daemon.DockerOkAsync("inspect", "-f", "{{.State.Status}} {{.State.ExitCode}}", "sleeper"));
        await Daemon.DockerOkAsync("rm", "sleeper");
        Assert.Equal("", await Daemon.DockerOkAsync("ps", "-aq", "--filter", "name=sleeper"));
    }

    [Fact]
    public async Task Stop_HonoursSignalThenTimeout()
    {
        await Daemon.DockerOkAsync("run", "-d", "--name", "trapper", "busybox", "sh", "-c", "trap 'exit 7' TERM; while true; do sleep 0.1; done");
        await Task.Delay(300, TestContext.Current.CancellationToken);
        await Daemon.DockerOkAsync("stop", "trapper");
        Assert.Equal("7", await Daemon.DockerOkAsync("inspect", "-f", "{{.State.ExitCode}}", "trapper"));
        await Daemon.DockerOkAsync("rm", "trapper");
    }

    [Fact]
    public async Task Wait_ReturnsExitCode()
    {
        await Daemon.DockerOkAsync("run", "-d", "--name", "waiter", "busybox", "sh", "-c", "sleep 0.3; exit 42");
        Assert.Equal("42", await Daemon.DockerOkAsync("wait", "waiter"));
        await Daemon.DockerOkAsync("rm", "waiter");
    }

    [Fact]
    public async Task Errors_AreDockerd()
    {
        var missing = await Daemon.DockerAsync("start", "nope-missing");
        Assert.NotEqual(0, missing.ExitCode);
        Assert.Contains("No such container: nope-missing", missing.Stderr);

        string id = await Daemon.DockerOkAsync("create", "--name", "dup", "busybox", "true");
        var dup = await Daemon.DockerAsync("create", "--name", "dup", "busybox", "true");
        Assert.NotEqual(0, dup.ExitCode);
        Assert.Contains($"Conflict. The container name \"/dup\" is already in use by container \"{id}\"", dup.Stderr);

        var badName = await Daemon.DockerAsync("create", "--name", "bad name!", "busybox", "true");
        Assert.Contains("Invalid container name (bad name!)", badName.Stderr);
        await Daemon.DockerOkAsync("rm", "dup");
    }

    [Fact]
    public async Task Inspect_IsDockerShaped()
    {
        await Daemon.DockerOkAsync("create", "--name", "shape", "-e", "A=1", "-w", "/tmp", "--hostname", "box", "--restart", "on-failure:3", "busybox", "echo", "x");
        string json = await Daemon.DockerOkAsync("inspect", "shape");
        using var doc = JsonDocument.Parse(json);
        var c = doc.RootElement[0];
        Assert.Equal("/shape", c.GetProperty("Name").GetString());
        Assert.Equal("created", c.GetProperty("State").GetProperty("Status").GetString());
        Assert.Equal("echo", c.GetProperty("Path").GetString());
        Assert.Equal("box", c.GetProperty("Config").GetProperty("Hostname").GetString());
        Assert.Equal("/tmp", c.GetProperty("Config").GetProperty("WorkingDir").GetString());
        Assert.Contains("A=1", c.GetProperty("Config").GetProperty("Env").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal("on-failure", c.GetProperty("HostConfig").GetProperty("RestartPolicy").GetProperty("Name").GetString());
        Assert.Equal(3, c.GetProperty("HostConfig").GetProperty("RestartPolicy").GetProperty("MaximumRetryCount").GetInt32());
        Assert.StartsWith("sha256:", c.GetProperty("Image").GetString());
        await Daemon.DockerOkAsync("rm", "shape");
    }

    [Fact]
    public async Task PauseRenameRestart_Work()
    {
        await Daemon.DockerOkAsync("run", "-d", "--name", "pr1", "busybox", "sleep", "300");
        await Daemon.DockerOkAsync("pause", "pr1");
        Assert.Equal("paused", await Daemon.DockerOkAsync("inspect", "-f", "{{.State.Status}}", "pr1"));
        await Daemon.DockerOkAsync("unpause", "pr1");
        await Daemon.DockerOkAsync("rename", "pr1", "pr2");
        Assert.Equal("running", await Daemon.DockerOkAsync("inspect", "-f", "{{.State.Status}}", "pr2"));
        string started = await Daemon.DockerOkAsync("inspect", "-f", "{{.State.StartedAt}}", "pr2");
        await Daemon.DockerOkAsync("restart", "-t", "0", "pr2");
        Assert.NotEqual(started, await Daemon.DockerOkAsync("inspect", "-f", "{{.State.StartedAt}}", "pr2"));
        await Daemon.DockerOkAsync("rm", "-f", "pr2");
    }

    [Fact]
    public async Task Hardening_DefaultsVisibleInside()
    {
        string status = await Daemon.DockerOkAsync("run", "--rm", "busybox", "cat", "/proc/self/status");
        Assert.Contains("NoNewPrivs:\t1", status);
        Assert.Contains("Seccomp:\t2", status);
        string capEff = status.Split('\n').First(l => l.StartsWith("CapEff:", StringComparison.Ordinal)).Split('\t')[1].Trim();
        Assert.Equal("00000000a80425fb", capEff);
        // Masked paths: /sys/firmware is an empty read-only tmpfs, /proc/timer_list reads as /dev/null.
        Assert.NotEmpty(Directory.EnumerateFileSystemEntries("/sys/firmware"));
        Assert.Equal("0 0", await Daemon.DockerOkAsync("run", "--rm", "busybox", "sh", "-c", "echo $(ls -A /sys/firmware | wc -l) $(wc -c < /proc/timer_list)"));

        string privileged = await Daemon.DockerOkAsync("run", "--rm", "--security-opt", "seccomp=unconfined", "busybox", "grep", "Seccomp:", "/proc/self/status");
        Assert.Contains("Seccomp:\t0", privileged);
        string dropped = await Daemon.DockerOkAsync("run", "--rm", "--cap-drop", "ALL", "busybox", "grep", "CapEff:", "/proc/self/status");
        Assert.Contains("0000000000000000", dropped);
    }

    [Fact]
    public async Task BindMount_ReadOnlyIsEnforced()
    {
        string dir = Daemon.Dir.Combine("bind-src");
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "f"), "from-host");
        Assert.Equal("from-host", await Daemon.DockerOkAsync("run", "--rm", "-v", $"{dir}:/mnt:ro", "busybox", "cat", "/mnt/f"));
        var write = await Daemon.DockerAsync("run", "--rm", "-v", $"{dir}:/mnt:ro", "busybox", "sh", "-c", "echo x > /mnt/g");
        Assert.NotEqual(0, write.ExitCode);
        Assert.Contains("Read-only file system", write.Stderr);
        await Daemon.DockerOkAsync("run", "--rm", "--mount", $"type=bind,source={dir},target=/mnt", "busybox", "sh", "-c", "echo rw > /mnt/g");
        Assert.Equal("rw\n", File.ReadAllText(Path.Combine(dir, "g")));
    }

    [Fact]
    public async Task Run_ReadonlyRootfsAndTmpfs()
    {
        var ro = await Daemon.DockerAsync("run", "--rm", "--read-only", "busybox", "touch", "/x");
        Assert.NotEqual(0, ro.ExitCode);
        await Daemon.DockerOkAsync("run", "--rm", "--read-only", "--tmpfs", "/scratch", "busybox", "touch", "/scratch/x");
    }

    [Fact]
    public async Task Prune_RemovesStopped()
    {
        await Daemon.DockerOkAsync("create", "--name", "prunable", "--label", "prune=yes", "busybox", "true");
        string output = await Daemon.DockerOkAsync("container", "prune", "-f", "--filter", "label=prune=yes");
        Assert.Contains("Deleted Containers:", output);
        Assert.Equal("", await Daemon.DockerOkAsync("ps", "-aq", "--filter", "name=prunable"));
    }
}
