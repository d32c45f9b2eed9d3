using Moat.Compat.Tests.Containers;
using Moat.Compat.Tests.Infrastructure;

namespace Moat.Compat.Tests.Streams;

/// <summary>
/// docker exec through moat-shim's native exec (runc and crun containers): the process must be confined exactly as
/// the container's init is, as `runc exec` would confine it, whatever the container's options.
/// </summary>
public sealed class NativeExecTests(BusyboxDaemonFixture fixture) : IClassFixture<BusyboxDaemonFixture>
{
    private MoatDaemon Daemon => fixture.Daemon;


    private const string Confinement = "grep -E '^(Cap(Inh|Prm|Eff|Bnd|Amb)|NoNewPrivs|Seccomp):' /proc/";

    [Theory]
    [InlineData("native-default")]
    [InlineData("native-caps", "--cap-drop", "ALL", "--cap-add", "NET_ADMIN", "--cap-add", "SYS_PTRACE")]
    [InlineData("native-unconfined", "--security-opt", "seccomp=unconfined", "--security-opt", "no-new-privileges=false")]
    public async Task Exec_CapabilitiesSeccompNoNewPrivs_SameAsInit(string name, params string[] options)
    {
        await Daemon.DockerOkAsync(["run", "-d", "--name", name, .. options, "busybox", "sleep", "300"]);
        string init = await Daemon.DockerOkAsync("exec", name, "sh", "-c", Confinement + "1/status");
        string self = await Daemon.DockerOkAsync("exec", name, "sh", "-c", Confinement + "self/status");
        Assert.Equal(7, init.Split('\n').Length);
        Assert.Equal(init, self);
        await Daemon.DockerOkAsync("rm", "-f", name);
    }

    [Fact]
    public async Task Exec_AsOtherUser_NoEffectiveCapabilities_BoundingKept()
    {
        await Daemon.DockerOkAsync("run", "-d", "--name", "native-user", "busybox", "sleep", "300");
        string bounding = await Daemon.DockerOkAsync("exec", "native-user", "sh", "-c", "grep CapBnd /proc/1/status");
        string status = await Daemon.DockerOkAsync("exec", "-u", "65534:65534", "native-user", "sh", "-c", "id; grep -E '^Cap(Eff|Prm|Bnd)' /proc/self/status");
        Assert.Contains("uid=65534(nobody) gid=65534(nobody)", status);
        Assert.Contains("CapEff:\t0000000000000000", status);
        Assert.Contains("CapPrm:\t0000000000000000", status);
        Assert.Contains(bounding, status);
        await Daemon.DockerOkAsync("rm", "-f", "native-user");
    }

    [Fact]
    public async Task Exec_SeccompFilter_BlocksWhatTheProfileBlocks()
    {
        // unshare(CLONE_NEWUSER) needs no capability: only the default profile stops it.
        await Daemon.DockerOkAsync("run", "-d", "--name", "native-filtered", "busybox", "sleep", "300");
        await Daemon.DockerOkAsync("run", "-d", "--name", "native-open", "--security-opt", "seccomp=unconfined", "busybox", "sleep", "300");
        var filtered = await Daemon.DockerAsync("exec", "native-filtered", "unshare", "-U", "true");
        Assert.NotEqual(0, filtered.ExitCode);
        Assert.Contains("Operation not permitted", filtered.Stderr);
        Assert.Equal(0, (await Daemon.DockerAsync("exec", "native-open", "unshare", "-U", "true")).ExitCode);
        await Daemon.DockerOkAsync("rm", "-f", "native-filtered", "native-open");
    }

    [Fact]
    public async Task Exec_RlimitsAndCgroups_FromContainer()
    {
        await Daemon.DockerOkAsync("run", "-d", "--name", "native-limits", "--ulimit", "nofile=1234:2345", "--pids-limit", "50", "busybox", "sleep", "300");
        Assert.Equal("1234\n2345", await Daemon.DockerOkAsync("exec", "native-limits", "sh", "-c", "ulimit -n; ulimit -Hn"));
        Assert.Equal(await Daemon.DockerOkAsync("exec", "native-limits", "cat", "/proc/1/cgroup"), await Daemon.DockerOkAsync("exec", "native-limits", "cat", "/proc/self/cgroup"));
        // The exec's processes count against the container's pids limit (they are in its pids cgroup).
        var r = await Daemon.DockerAsync("exec", "native-limits", "sh", "-c", "for i in $(seq 60); do sleep 1 & done; wait");
        Assert.Contains("can't fork", r.Stderr + r.Stdout);
        await Daemon.DockerOkAsync("rm", "-f", "native-limits");
    }

    [Fact]
    public async Task Exec_Tty_PtyOfTheContainersOwnDevpts()
    {
        await Daemon.DockerOkAsync("run", "-d", "--name", "native-tty", "busybox", "sleep", "300");
        string output = await Daemon.DockerOkAsync("exec", "-t", "native-tty", "sh", "-c", "t=$(tty); echo $t; test -c $t && echo present");
        Assert.Matches(@"^/dev/pts/\d+\r?\npresent", output);
        await Daemon.DockerOkAsync("rm", "-f", "native-tty");
    }

    [Fact]
    public async Task Exec_Failures_RuncWordingAndDockerExitCodes()
    {
        await Daemon.DockerOkAsync("run", "-d", "--name", "native-fail", "busybox", "sleep", "300");
        var missing = await Daemon.DockerAsync("exec", "native-fail", "no-such-binary");
        Assert.Equal(127, missing.ExitCode);
        Assert.Contains("OCI runtime exec failed: exec failed: unable to start container process: exec: \"no-such-binary\": executable file not found in $PATH: unknown", missing.Stdout + missing.Stderr);
        var cwd = await Daemon.DockerAsync("exec", "-w", "/no/such/dir", "native-fail", "true");
        Assert.NotEqual(0, cwd.ExitCode);
        Assert.Contains("chdir to cwd (\"/no/such/dir\") set in config.json failed", cwd.Stdout + cwd.Stderr);
        // Nothing of a failed exec stays behind: the container still runs, later execs work.
        Assert.Equal("ok", await Daemon.DockerOkAsync("exec", "native-fail", "echo", "ok"));
        await Daemon.DockerOkAsync("rm", "-f", "native-fail");
    }
}

/// <summary>A runtime moatd does not know as a namespace runtime keeps `runtime exec`: its own exec, its own confinement.</summary>
public sealed class CustomRuntimeExecTests
{
    [Fact]
    public async Task Exec_CustomRuntime_GoesThroughRuntimeExec()
    {
        await using var daemon = await MoatDaemon.StartAsync(config: """{"runtimes": {"other": {"path": "runc"}}}""");
        await BusyboxImage.ImportAsync(daemon);
        var unknown = await daemon.DockerAsync("run", "-d", "--runtime", "nope", "busybox", "true");
        Assert.Contains("unknown or invalid runtime name: nope", unknown.Stderr);
        Assert.Equal("", (await daemon.DockerAsync("ps", "-aq")).Stdout.Trim());
        var run = await daemon.DockerAsync("run", "-d", "--name", "custom-exec", "--runtime", "other", "busybox", "sleep", "300");
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.True(Directory.Exists(Path.Combine(daemon.ExecRoot, "runtime-other", run.Stdout.Trim())), "the container does not run under the runtime it asked for");
        var r = await daemon.DockerAsync("exec", "custom-exec", "sh", "-c", "grep -E '^(NoNewPrivs|Seccomp):' /proc/self/status; exit 4");
        Assert.Equal(4, r.ExitCode);
        Assert.Contains("NoNewPrivs:\t1", r.Stdout);
        Assert.Contains("Seccomp:\t2", r.Stdout);
        Assert.False(Directory.Exists(Path.Combine(daemon.ExecRoot, "moat-seccomp")), "the custom runtime's exec went native");
        await daemon.DockerAsync("rm", "-f", "custom-exec");
    }
}

/// <summary>The compiled seccomp filters native exec keeps: one per profile, private, rebuilt when damaged (a daemon of its own: one profile).</summary>
public sealed class NativeExecFilterCacheTests
{

    [Fact]
    public async Task Exec_CompiledFilterCache_PrivateAndRebuiltWhenDamaged()
    {
        await using var daemon = await MoatDaemon.StartAsync();
        await BusyboxImage.ImportAsync(daemon);
        await daemon.DockerOkAsync("run", "-d", "--name", "native-cache", "busybox", "sleep", "300");
        await daemon.DockerOkAsync("exec", "native-cache", "true");
        string dir = Path.Combine(daemon.ExecRoot, "moat-seccomp");
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(dir));
        string file = Assert.Single(Directory.GetFiles(dir, "*.bpf"));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
        long size = new FileInfo(file).Length;
        Assert.True(size > 0 && size % 8 == 0, $"{size} bytes is no BPF program");

        await File.WriteAllBytesAsync(file, [1, 2, 3], TestContext.Current.CancellationToken);
        string status = await daemon.DockerOkAsync("exec", "native-cache", "grep", "Seccomp:", "/proc/self/status");
        Assert.Equal("Seccomp:\t2", status);
        Assert.Equal(size, new FileInfo(file).Length);
        var blocked = await daemon.DockerAsync("exec", "native-cache", "unshare", "-U", "true");
        Assert.NotEqual(0, blocked.ExitCode);
        await daemon.DockerOkAsync("rm", "-f", "native-cache");
    }
}
