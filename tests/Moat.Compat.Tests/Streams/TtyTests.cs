using Moat.Compat.Tests.Containers;
using Moat.Compat.Tests.Infrastructure;

namespace Moat.Compat.Tests.Streams;

/// <summary>Interactive TTY sessions in a real terminal (tmux): typing, resizing, detaching and re-attaching.</summary>
public sealed class TtyTests(BusyboxDaemonFixture fixture) : IClassFixture<BusyboxDaemonFixture>
{
    private MoatDaemon Daemon => fixture.Daemon;
    private string ConfigDir => Directory.CreateDirectory(Path.Combine(Daemon.Dir.Path, "tty-cli")).FullName;


    [Fact]
    public async Task RunIt_TypeResizeDetachAttachExit()
    {
        string since = DateTimeOffset.UtcNow.AddSeconds(-1).ToUnixTimeSeconds().ToString();
        await using (var term = await Tmux.StartAsync(Tmux.Docker(Daemon, ConfigDir, "run -it --name tty-run busybox sh"), 100, 30))
        {
            await term.WaitForAsync(s => s.Contains("/ #"));
            await term.TypeAsync("echo magic$((6*7))");
            await term.WaitForAsync(s => s.Contains("magic42"));

            await term.TypeAsync("stty size");
            await term.WaitForAsync(s => s.Contains("30 100"));
            await term.ResizeAsync(120, 40);
            await term.RetypeUntilAsync("stty size", s => s.Contains("40 120"));

            await term.SendKeysAsync("C-p", "C-q");
            await term.WaitForAsync(s => s.Contains("[ended rc=0]"));
        }
        Assert.Equal("running", await Daemon.DockerOkAsync("inspect", "-f", "{{.State.Status}}", "tty-run"));
        string until = DateTimeOffset.UtcNow.AddSeconds(1).ToUnixTimeSeconds().ToString();
        string events = await Daemon.DockerOkAsync("events", "--since", since, "--until", until, "--filter", "container=tty-run", "--format", "{{.Action}} {{index .Actor.Attributes \"width\"}}");
        Assert.Contains("resize 120", events);

        await using (var term = await Tmux.StartAsync(Tmux.Docker(Daemon, ConfigDir, "attach tty-run"), 100, 30))
        {
            await term.RetypeUntilAsync("echo back$((1+1))", s => s.Contains("back2"));
            await term.TypeAsync("exit 5");
            await term.WaitForAsync(s => s.Contains("[ended rc=5]"));
        }
        Assert.Equal("exited 5", await Daemon.DockerOkAsync("inspect", "-f", "{{.State.Status}} {{.State.ExitCode}}", "tty-run"));
        await Daemon.DockerOkAsync("rm", "tty-run");
    }

    [Fact]
    public async Task RunIt_CustomDetachKeys_Detach()
    {
        await using (var term = await Tmux.StartAsync(Tmux.Docker(Daemon, ConfigDir, "run -it --detach-keys ctrl-x,x --name tty-keys busybox sh"), 100, 30))
        {
            await term.WaitForAsync(s => s.Contains("/ #"));
            await term.SendKeysAsync("C-x", "x");
            await term.WaitForAsync(s => s.Contains("[ended rc=0]"));
        }
        Assert.Equal("running", await Daemon.DockerOkAsync("inspect", "-f", "{{.State.Status}}", "tty-keys"));
        await Daemon.DockerOkAsync("rm", "-f", "tty-keys");
    }

    [Fact]
    public async Task ExecIt_TypeResizeExit()
    {
        await Daemon.DockerOkAsync("run", "-d", "--name", "tty-exec", "busybox", "sleep", "300");
        await using (var term = await Tmux.StartAsync(Tmux.Docker(Daemon, ConfigDir, "exec -it tty-exec sh"), 90, 25))
        {
            await term.WaitForAsync(s => s.Contains("/ #"));
            await term.TypeAsync("tty; stty size");
            await term.WaitForAsync(s => s.Contains("/dev/pts/") && s.Contains("25 90"));
            await term.ResizeAsync(110, 35);
            await term.RetypeUntilAsync("stty size", s => s.Contains("35 110"));
            await term.TypeAsync("exit 4");
            await term.WaitForAsync(s => s.Contains("[ended rc=4]"));
        }
        Assert.Equal("running", await Daemon.DockerOkAsync("inspect", "-f", "{{.State.Status}}", "tty-exec"));
        await Daemon.DockerOkAsync("rm", "-f", "tty-exec");
    }
}
