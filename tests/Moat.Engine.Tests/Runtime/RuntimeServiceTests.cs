using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using Moat.Engine.Runtime;

namespace Moat.Engine.Tests.Runtime;

/// <summary>Real containers under runc with the moat-shim monitor, checked from inside the container.</summary>
public sealed class RuntimeServiceTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Run_ExitCode_IsPropagated()
    {
        await using var sandbox = new RuntimeSandbox();
        var (exitCode, stdout, stderr) = await sandbox.RunAsync("echo out; echo err >&2; exit 3");
        Assert.Equal(3, exitCode);
        Assert.Equal("out\n", stdout);
        Assert.Equal("err\n", stderr);
    }

    [Fact]
    public async Task Run_Default_HasDockerCapabilitiesAndSeccomp()
    {
        await using var sandbox = new RuntimeSandbox();
        var (exitCode, stdout, _) = await sandbox.RunAsync("grep -E '^(CapEff|CapBnd|CapPrm|CapInh|CapAmb|Seccomp|NoNewPrivs):' /proc/self/status");
        Assert.Equal(0, exitCode);
        Assert.Contains("CapEff:\t00000000a80425fb", stdout);
        Assert.Contains("CapPrm:\t00000000a80425fb", stdout);
        Assert.Contains("CapBnd:\t00000000a80425fb", stdout);
        Assert.Contains("CapInh:\t0000000000000000", stdout);
        Assert.Contains("CapAmb:\t0000000000000000", stdout);
        Assert.Contains("Seccomp:\t2", stdout);
        Assert.Contains("NoNewPrivs:\t0", stdout);
    }

    [Fact]
    public async Task Run_NoNewPrivileges_FromDaemonDefaultAndContainer()
    {
        await using (var sandbox = new RuntimeSandbox(noNewPrivileges: true))
        {
            var (_, stdout, _) = await sandbox.RunAsync("grep NoNewPrivs /proc/self/status");
            Assert.Contains("NoNewPrivs:\t1", stdout);
            var (_, optedOut, _) = await sandbox.RunAsync("grep NoNewPrivs /proc/self/status", c => c with { NoNewPrivileges = false });
            Assert.Contains("NoNewPrivs:\t0", optedOut);
        }
        await using (var sandbox = new RuntimeSandbox())
        {
            var (_, stdout, _) = await sandbox.RunAsync("grep NoNewPrivs /proc/self/status", c => c with { NoNewPrivileges = true });
            Assert.Contains("NoNewPrivs:\t1", stdout);
        }
    }

    [Fact]
    public async Task Run_DefaultSeccomp_BlocksUserNamespaces_PrivilegedAllows()
    {
        await using var sandbox = new RuntimeSandbox();
        var (_, confined, _) = await sandbox.RunAsync("unshare -U true; echo rc=$?");
        Assert.DoesNotContain("rc=0", confined);
        var (_, unconfined, _) = await sandbox.RunAsync("unshare -U true; echo rc=$?", c => c with { Seccomp = SeccompMode.Unconfined });
        Assert.Contains("rc=0", unconfined);
        var (_, privileged, _) = await sandbox.RunAsync("unshare -U true; echo rc=$?", c => c with { Privileged = true });
        Assert.Contains("rc=0", privileged);
    }

    [Fact]
    public async Task Run_MaskedAndReadonlyPaths_AreEnforced()
    {
        await using var sandbox = new RuntimeSandbox();
        var (_, stdout, _) = await sandbox.RunAsync(
            "echo keys=$(wc -c < /proc/keys); echo timer=$(wc -c < /proc/timer_list); echo fw=$(ls -A /sys/firmware | wc -l); " +
            "echo 1 > /proc/sys/kernel/ns_last_pid 2>/dev/null; echo sysw=$?; touch /sys/x 2>/dev/null; echo sysfs=$?; " +
            "grep -E ' /(proc/sys|sys) ' /proc/mounts | cut -d' ' -f2,4 | cut -c1-12");
        Assert.Contains("keys=0", stdout);
        Assert.Contains("timer=0", stdout);
        Assert.Contains("fw=0", stdout);
        Assert.DoesNotContain("sysw=0", stdout);
        Assert.DoesNotContain("sysfs=0", stdout);
        Assert.Contains("/proc/sys ro", stdout);
        Assert.Contains("/sys ro", stdout);
    }

    [Fact]
    public async Task Run_Privileged_LiftsCapsMasksAndSeccomp()
    {
        await using var sandbox = new RuntimeSandbox();
        string held = Capabilities.ToMask(Capabilities.HeldByDaemon).ToString("x16", CultureInfo.InvariantCulture);
        var (_, stdout, _) = await sandbox.RunAsync(
            "grep -E '^(CapEff|Seccomp):' /proc/self/status; grep ' /sys ' /proc/mounts | cut -d' ' -f4 | cut -c1-2; echo keys=$(wc -c < /proc/keys)",
            c => c with { Privileged = true });
        Assert.Contains($"CapEff:\t{held}", stdout);
        Assert.Contains("Seccomp:\t0", stdout);
        Assert.Contains("\nrw\n", stdout);
        Assert.DoesNotContain("keys=0", stdout);
    }

    [Fact]
    public async Task Run_CapAddAndDrop_ChangeTheSet()
    {
        await using var sandbox = new RuntimeSandbox();
        var (_, stdout, _) = await sandbox.RunAsync("grep CapEff /proc/self/status; mount -t tmpfs none /tmp && echo mounted",
            c => c with { CapAdd = ["sys_admin"], CapDrop = ["CAP_NET_RAW"] });
        ulong expected = (0xa80425fbUL | (1UL << 21)) & ~(1UL << 13);
        Assert.Contains("CapEff:\t" + expected.ToString("x16", CultureInfo.InvariantCulture), stdout);
        Assert.Contains("mounted", stdout);
    }

    [Fact]
    public async Task Run_Limits_AreVisibleInTheCgroup()
    {
        await using var sandbox = new RuntimeSandbox();
        var (exitCode, stdout, _) = await sandbox.RunAsync(
            "cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/memory/memory.memsw.limit_in_bytes /sys/fs/cgroup/pids/pids.max " +
            "/sys/fs/cgroup/cpu/cpu.cfs_quota_us /sys/fs/cgroup/cpu/cpu.shares",
            c => c with { Memory = 64L << 20, PidsLimit = 50, NanoCpus = 500_000_000, CpuShares = 512 });
        Assert.Equal(0, exitCode);
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["67108864", "134217728", "50", "50000", "512"], lines);
    }

    [Fact]
    public async Task Run_OverMemoryLimit_IsOomKilled()
    {
        await using var sandbox = new RuntimeSandbox();
        var (id, _) = await sandbox.StartAsync("exec dd if=/dev/zero of=/dev/null bs=64M count=1", c => c with { Memory = 8L << 20 });
        var exit = await sandbox.Service.WaitAsync(id, Ct);
        Assert.Equal(137, exit.ExitCode);
        Assert.True(exit.OomKilled);
    }

    [Fact]
    public async Task Run_PidsLimit_StopsForks()
    {
        await using var sandbox = new RuntimeSandbox();
        // The subshell dies at its first failed fork; the sleeps it started stay. (The limit is not lower: runc's
        // init, a Go program, runs its threads inside the cgroup before it execs the process, and under load a
        // limit of 5 failed it with "pthread_create failed" before the container ran.)
        var (id, _) = await sandbox.StartAsync("(for i in $(seq 1 24); do sleep 30 & done); echo after; exec sleep 30", c => c with { PidsLimit = 16 });
        await WaitForLogAsync(sandbox, id, "after");
        Assert.Contains("fork", RuntimeTestEnvironment.ReadJsonLog(sandbox.Service.LogPath(id)!).Stderr);
        var stats = sandbox.Service.Stats(id);
        Assert.Equal(16UL, stats.PidsLimit);
        Assert.InRange(stats.PidsCurrent, 2UL, 16UL);
        Assert.Equal((int)stats.PidsCurrent, (await sandbox.Service.TopAsync(id, Ct)).Count);
    }

    [Fact]
    public async Task Run_Ulimits_AreSetAndCappedAtTheDaemonHardLimit()
    {
        await using var sandbox = new RuntimeSandbox();
        var (_, stdout, _) = await sandbox.RunAsync("echo soft=$(ulimit -n) hard=$(ulimit -Hn)", c => c with { Ulimits = [new Ulimit("nofile", 1024, 2048)] });
        Assert.Contains("soft=1024 hard=2048", stdout);
        ulong daemonHard = HostLimits.HardLimits["nofile"];
        var (exitCode, capped, _) = await sandbox.RunAsync("echo hard=$(ulimit -Hn)", c => c with { Ulimits = [new Ulimit("nofile", 1 << 20, 1 << 20)] });
        Assert.Equal(0, exitCode);
        Assert.Contains($"hard={daemonHard}", capped);
    }

    [Fact]
    public async Task Run_BindMounts_ReadOnlyIsEnforced_TmpfsIsMounted()
    {
        await using var sandbox = new RuntimeSandbox();
        string data = Path.Combine(sandbox.Root, "data");
        Directory.CreateDirectory(data);
        File.WriteAllText(Path.Combine(data, "hello.txt"), "from host");
        string rw = Path.Combine(sandbox.Root, "rw");
        Directory.CreateDirectory(rw);
        var (_, stdout, _) = await sandbox.RunAsync(
            "cat /data/hello.txt; echo; echo x > /data/new 2>/dev/null; echo ro=$?; echo written > /rw/out; grep ' /run ' /proc/mounts | cut -d' ' -f3",
            c => c with
            {
                Mounts = [new BindMount(data, "/data", ReadOnly: true), new BindMount(rw, "/rw")],
                Tmpfs = new Dictionary<string, string> { ["/run"] = "size=1m" },
            });
        Assert.Contains("from host", stdout);
        Assert.DoesNotContain("ro=0", stdout);
        Assert.False(File.Exists(Path.Combine(data, "new")));
        Assert.Equal("written\n", File.ReadAllText(Path.Combine(rw, "out")));
        Assert.Contains("tmpfs", stdout);
    }

    [Fact]
    public async Task Run_ReadonlyRootfs_RejectsWrites()
    {
        await using var sandbox = new RuntimeSandbox();
        var (_, stdout, _) = await sandbox.RunAsync("touch /x 2>/dev/null; echo root=$?; echo ok > /dev/shm/y && echo shm=ok", c => c with { ReadonlyRootfs = true });
        Assert.DoesNotContain("root=0", stdout);
        Assert.Contains("shm=ok", stdout);
    }

    [Fact]
    public async Task Run_User_ResolvedFromRootfs()
    {
        await using var sandbox = new RuntimeSandbox();
        var (_, stdout, _) = await sandbox.RunAsync("id -u; id -g; id -G; echo $HOME", c => c with { User = "app" });
        Assert.Equal("1000\n1000\n1000 50 63\n/home/app\n", stdout);
    }

    [Fact]
    public async Task Run_Hostname_EtcFilesAndLoopback()
    {
        await using var sandbox = new RuntimeSandbox();
        var (exitCode, stdout, _) = await sandbox.RunAsync(
            "hostname; cat /etc/hostname; grep -c myhost /etc/hosts; ip -o link show lo | grep -c UP; ping -c1 -W2 127.0.0.1 >/dev/null && echo ping=ok; ip -o link | wc -l",
            c => c with { Hostname = "myhost" });
        Assert.Equal(0, exitCode);
        Assert.Equal("myhost\nmyhost\n1\n1\nping=ok\n1\n", stdout);
    }

    [Fact]
    public async Task Run_Overlay_WritesGoToTheUpperDir()
    {
        await using var sandbox = new RuntimeSandbox();
        var (id, _) = await sandbox.StartAsync("echo hi > /newfile; rm /bin/vi; exit 0");
        var exit = await sandbox.Service.WaitAsync(id, Ct);
        Assert.Equal(0, exit.ExitCode);
        string dir = sandbox.ContainerDir(id);
        Assert.Equal("hi\n", File.ReadAllText(Path.Combine(dir, "diff/newfile")));
        Assert.True(File.Exists(Path.Combine(RuntimeTestEnvironment.BusyboxRootfs, "bin/vi")) || new FileInfo(Path.Combine(RuntimeTestEnvironment.BusyboxRootfs, "bin/vi")).LinkTarget is not null);
        Assert.True(RuntimeService.IsMountPoint(Path.Combine(dir, "rootfs")));
        await sandbox.Service.DeleteAsync(id, removeBundle: false, Ct);
        Assert.False(RuntimeService.IsMountPoint(Path.Combine(dir, "rootfs")));
    }

    [Fact]
    public async Task Run_PlainDirectoryRootfs_Works()
    {
        await using var sandbox = new RuntimeSandbox();
        var (exitCode, stdout, _) = await sandbox.RunAsync("echo plain", overlay: false);
        Assert.Equal(0, exitCode);
        Assert.Equal("plain\n", stdout);
    }

    [Fact]
    public async Task Stop_IgnoredTerm_KilledAfterTimeout()
    {
        await using var sandbox = new RuntimeSandbox();
        // sh as pid 1 without a TERM trap ignores SIGTERM: the kernel drops unhandled signals to a namespace's init.
        var (id, _) = await sandbox.StartAsync("sleep 1000");
        var watch = Stopwatch.StartNew();
        var exit = await sandbox.Service.StopAsync(id, RuntimeService.SIGTERM, TimeSpan.FromSeconds(1), Ct);
        Assert.True(watch.Elapsed >= TimeSpan.FromSeconds(0.9), $"stopped after {watch.Elapsed}");
        Assert.Equal(137, exit!.ExitCode);
        Assert.Equal(RuntimeStatus.Stopped, (await sandbox.Service.StateAsync(id, Ct)).Status);
    }

    [Fact]
    public async Task Stop_HandledTerm_ExitsWithItsOwnCode()
    {
        await using var sandbox = new RuntimeSandbox();
        var (id, _) = await sandbox.StartAsync("trap 'exit 7' TERM; echo ready; while true; do sleep 0.1; done");
        await WaitForLogAsync(sandbox, id, "ready");
        var watch = Stopwatch.StartNew();
        var exit = await sandbox.Service.StopAsync(id, RuntimeService.SIGTERM, TimeSpan.FromSeconds(20), Ct);
        Assert.Equal(7, exit!.ExitCode);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Kill_NotRunning_ThrowsConflict()
    {
        await using var sandbox = new RuntimeSandbox();
        var (id, _) = await sandbox.StartAsync("exit 0");
        await sandbox.Service.WaitAsync(id, Ct);
        await Assert.ThrowsAsync<RuntimeStateException>(() => sandbox.Service.KillAsync(id, 9, Ct));
    }

    [Fact]
    public async Task PauseResume_FreezesTheContainer()
    {
        await using var sandbox = new RuntimeSandbox();
        var (id, _) = await sandbox.StartAsync("sleep 1000");
        await sandbox.Service.PauseAsync(id, Ct);
        Assert.Equal(RuntimeStatus.Paused, (await sandbox.Service.StateAsync(id, Ct)).Status);
        Assert.Equal("FROZEN", File.ReadAllText($"/sys/fs/cgroup/freezer{sandbox.Service.CgroupsPath(id)}/freezer.state").Trim());
        await sandbox.Service.ResumeAsync(id, Ct);
        Assert.Equal(RuntimeStatus.Running, (await sandbox.Service.StateAsync(id, Ct)).Status);
        var exit = await sandbox.Service.StopAsync(id, RuntimeService.SIGKILL, TimeSpan.FromSeconds(5), Ct);
        Assert.Equal(137, exit!.ExitCode);
    }

    [Fact]
    public async Task StatsAndTop_ReportTheContainer()
    {
        await using var sandbox = new RuntimeSandbox();
        var (id, pid) = await sandbox.StartAsync("sleep 1000 & sleep 2000; echo done", c => c with { Memory = 32L << 20, PidsLimit = 20 });
        // Three pids appear as soon as sh has forked; wait until both children have exec'd their sleep too.
        var top = await sandbox.Service.TopAsync(id, Ct);
        for (int i = 0; i < 100 && top.Count(p => p.Command == "sleep") < 2; i++)
        {
            await Task.Delay(50, Ct);
            top = await sandbox.Service.TopAsync(id, Ct);
        }
        var stats = sandbox.Service.Stats(id);
        Assert.True(stats.MemoryUsage > 0);
        Assert.Equal(32UL << 20, stats.MemoryLimit);
        Assert.Equal(3UL, stats.PidsCurrent);
        Assert.Equal(20UL, stats.PidsLimit);
        Assert.True(stats.CpuTotalNs > 0);
        Assert.True(stats.SystemCpuNs > 0);
        Assert.Equal(3, top.Count);
        Assert.Contains(top, p => p.Pid == pid && p.Args.SequenceEqual(["/bin/sh", "-c", "sleep 1000 & sleep 2000; echo done"]));
        Assert.Contains(top, p => p.Args.SequenceEqual(["sleep", "1000"]) && p.Ppid == pid);
        Assert.All(top, p => Assert.Equal(0u, p.Uid));
    }

    [Fact]
    public async Task Recover_AfterRestart_FindsRunningContainerAndStopsIt()
    {
        await using var sandbox = new RuntimeSandbox();
        var (id, pid) = await sandbox.StartAsync("sleep 1000");
        var restarted = sandbox.Restart();
        var found = Assert.Single(await restarted.RecoverAsync(Ct));
        Assert.Equal(id, found.Id);
        Assert.Equal(RuntimeStatus.Running, found.Status);
        Assert.Equal(pid, found.Pid);
        Assert.Null(found.Exit);
        var exit = await restarted.StopAsync(id, RuntimeService.SIGTERM, TimeSpan.FromMilliseconds(300), Ct);
        Assert.Equal(137, exit!.ExitCode);
    }

    [Fact]
    public async Task Recover_ContainerExitedWhileDown_HasItsExitCode()
    {
        await using var sandbox = new RuntimeSandbox();
        var (id, _) = await sandbox.StartAsync("sleep 0.5; exit 42");
        sandbox.Restart();
        // "moatd is down": only the monitor is watching. Wait for its exit file without any RuntimeService.
        string exitFile = Path.Combine(sandbox.Service.StateDir(id), ContainerMonitor.ExitFile);
        for (int i = 0; i < 300 && !File.Exists(exitFile); i++) await Task.Delay(50, Ct);
        var restarted = sandbox.Restart();
        var found = Assert.Single(await restarted.RecoverAsync(Ct));
        Assert.Equal(RuntimeStatus.Stopped, found.Status);
        Assert.Equal(42, found.Exit!.ExitCode);
        Assert.Equal(42, (await restarted.WaitAsync(id, Ct)).ExitCode);
    }

    [Fact]
    public async Task Recover_PreparedNeverStarted_IsUnknownWithoutExit()
    {
        await using var sandbox = new RuntimeSandbox();
        string id = sandbox.NewId();
        await sandbox.Service.PrepareAsync(new ContainerRuntimeConfig { Id = id, Args = ["true"] }, new ContainerRootfs.Overlay([RuntimeTestEnvironment.BusyboxRootfs]), sandbox.ContainerDir(id), null, Ct);
        var found = Assert.Single(await sandbox.Restart().RecoverAsync(Ct));
        Assert.Equal((id, RuntimeStatus.Unknown, 0), (found.Id, found.Status, found.Pid));
        Assert.Null(found.Exit);
        Assert.Null(await sandbox.Service.StopAsync(id, RuntimeService.SIGTERM, TimeSpan.FromSeconds(1), Ct));
    }

    [Fact]
    public async Task Run_HostNetwork_SeesTheHostsInterfaces()
    {
        await using var sandbox = new RuntimeSandbox();
        // The host's first non-loopback interface (stable, unlike veths other tests may add meanwhile).
        string hostIf = RuntimeTestEnvironment.Run("ip", ["-o", "link"]).Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split(':')[1].Trim().Split('@')[0]).First(n => n != "lo");
        var (_, stdout, _) = await sandbox.RunAsync("ip -o link | cut -d: -f2", c => c with { NetworkMode = NamespaceMode.Host });
        Assert.Contains(" " + hostIf, stdout);
        var (_, isolated, _) = await sandbox.RunAsync("ip -o link | cut -d: -f2");
        Assert.Equal(" lo\n", isolated);
    }

    [Fact]
    public async Task Monitor_OwnSession_SurvivesTheStarter()
    {
        await using var sandbox = new RuntimeSandbox();
        var (id, pid) = await sandbox.StartAsync("sleep 1000");
        int shim = ContainerMonitor.RunningShimPid(sandbox.Service.StateDir(id)) ?? 0;
        Assert.NotEqual(0, shim);
        string stat = File.ReadAllText($"/proc/{shim}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        // ppid is not us (double fork), and the session is its own.
        Assert.NotEqual(Environment.ProcessId, int.Parse(fields[1], CultureInfo.InvariantCulture));
        Assert.NotEqual(GetSid(Environment.ProcessId), int.Parse(fields[3], CultureInfo.InvariantCulture));
        Assert.Equal(shim, int.Parse(File.ReadAllText($"/proc/{pid}/stat").Split(") ")[1].Split(' ')[1], CultureInfo.InvariantCulture));
        long rssKb = File.ReadAllLines($"/proc/{shim}/status").Where(l => l.StartsWith("VmRSS:", StringComparison.Ordinal)).Select(l => long.Parse(l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture)).Single();
        Assert.True(rssKb <= 2048, $"monitor RSS {rssKb} KiB");
    }

    [Fact]
    public async Task Restart_SameContainer_RunsAgain()
    {
        await using var sandbox = new RuntimeSandbox();
        var (id, _) = await sandbox.StartAsync("echo run; exit 4");
        Assert.Equal(4, (await sandbox.Service.WaitAsync(id, Ct)).ExitCode);
        await sandbox.Service.StartAsync(id, Ct);
        Assert.Equal(4, (await sandbox.Service.WaitAsync(id, Ct)).ExitCode);
        var (stdout, _) = RuntimeTestEnvironment.ReadJsonLog(sandbox.Service.LogPath(id)!);
        Assert.Equal("run\nrun\n", stdout);
    }

    [Fact]
    public async Task Terminal_OutputComesThroughThePty()
    {
        await using var sandbox = new RuntimeSandbox();
        var (exitCode, stdout, _) = await sandbox.RunAsync("tty; echo $TERM", c => c with { Terminal = true });
        Assert.Equal(0, exitCode);
        Assert.Equal("/dev/pts/0\r\nxterm\r\n", stdout);
    }

    [Fact]
    public async Task Attach_StdinAndMultiplexedOutput()
    {
        await using var sandbox = new RuntimeSandbox();
        var (id, _) = await sandbox.StartAsync("read line; echo got:$line; echo oops >&2", c => c with { OpenStdin = true, StdinOnce = true });
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await socket.ConnectAsync(new UnixDomainSocketEndPoint(sandbox.Service.AttachSocketPath(id)), Ct);
        await socket.SendAsync("hello\n"u8.ToArray(), SocketFlags.None, Ct);
        socket.Shutdown(SocketShutdown.Send);
        var frames = new List<(int Stream, string Text)>();
        var buffer = new MemoryStream();
        var chunk = new byte[4096];
        int n;
        while ((n = await socket.ReceiveAsync(chunk, SocketFlags.None, Ct)) > 0) buffer.Write(chunk, 0, n);
        byte[] all = buffer.ToArray();
        for (int i = 0; i + 8 <= all.Length;)
        {
            int size = (all[i + 4] << 24) | (all[i + 5] << 16) | (all[i + 6] << 8) | all[i + 7];
            frames.Add((all[i], System.Text.Encoding.UTF8.GetString(all, i + 8, size)));
            i += 8 + size;
        }
        Assert.Contains((1, "got:hello\n"), frames);
        Assert.Contains((2, "oops\n"), frames);
        Assert.Equal(0, (await sandbox.Service.WaitAsync(id, Ct)).ExitCode);
    }

    [Fact]
    public async Task CreateThenAttach_SeesOutputFromTheFirstByte()
    {
        await using var sandbox = new RuntimeSandbox();
        string id = sandbox.NewId();
        var config = new ContainerRuntimeConfig { Id = id, Args = ["/bin/echo", "first"] };
        await sandbox.Service.PrepareAsync(config, new ContainerRootfs.Overlay([RuntimeTestEnvironment.BusyboxRootfs]), sandbox.ContainerDir(id), null, Ct);
        int created = await sandbox.Service.CreateAsync(id, Ct);
        Assert.Equal((RuntimeStatus.Created, created), await sandbox.Service.StateAsync(id, Ct));
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await socket.ConnectAsync(new UnixDomainSocketEndPoint(sandbox.Service.AttachSocketPath(id)), Ct);
        Assert.Equal(created, await sandbox.Service.StartAsync(id, Ct));
        var buffer = new byte[64];
        int n, total = 0;
        while ((n = await socket.ReceiveAsync(buffer.AsMemory(total), SocketFlags.None, Ct)) > 0) total += n;
        Assert.Equal(new byte[] { 1, 0, 0, 0, 0, 0, 0, 6 }.Concat("first\n"u8.ToArray()), buffer[..total]);
    }

    [Fact]
    public async Task Exec_RunsInTheContainerWithItsRestrictions()
    {
        await using var sandbox = new RuntimeSandbox();
        var (id, _) = await sandbox.StartAsync("sleep 1000", c => c with { Hostname = "box" });
        var process = sandbox.Service.BuildExecProcess(id, ["/bin/sh", "-c", "hostname; id -u; grep -E '^(CapEff|Seccomp):' /proc/self/status; echo bad >&2; exit 5"], ["X=1"], "app", "/tmp", terminal: false, privileged: false);
        string execId = "e" + Guid.NewGuid().ToString("N");
        var started = await sandbox.Service.ExecAsync(id, execId, process, openStdin: false, Ct);
        Assert.True(started.Pid > 0);
        // The output was held until this client attached, although the process may be long gone.
        await Task.Delay(300, Ct);
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await socket.ConnectAsync(new UnixDomainSocketEndPoint(started.AttachSocket), Ct);
        var received = new MemoryStream();
        var chunk = new byte[4096];
        int n;
        while ((n = await socket.ReceiveAsync(chunk, SocketFlags.None, Ct)) > 0) received.Write(chunk, 0, n);
        var stdout = new System.Text.StringBuilder();
        var stderr = new System.Text.StringBuilder();
        byte[] all = received.ToArray();
        for (int i = 0; i + 8 <= all.Length;)
        {
            int size = (all[i + 4] << 24) | (all[i + 5] << 16) | (all[i + 6] << 8) | all[i + 7];
            (all[i] == 1 ? stdout : stderr).Append(System.Text.Encoding.UTF8.GetString(all, i + 8, size));
            i += 8 + size;
        }
        Assert.Equal("box\n1000\nCapEff:\t0000000000000000\nSeccomp:\t2\n", stdout.ToString());
        Assert.Equal("bad\n", stderr.ToString());
        Assert.Equal(5, await sandbox.Service.WaitExecAsync(execId, Ct));
        sandbox.Service.RemoveExec(execId);
        Assert.False(Directory.Exists(sandbox.Service.ExecStateDir(execId)));
        Assert.Equal(RuntimeStatus.Running, (await sandbox.Service.StateAsync(id, Ct)).Status);
    }

    [Fact]
    public async Task Start_MissingCommand_ReportsTheRuntimeError()
    {
        await using var sandbox = new RuntimeSandbox();
        string id = sandbox.NewId();
        var config = new ContainerRuntimeConfig { Id = id, Args = ["/no/such/binary"] };
        await sandbox.Service.PrepareAsync(config, new ContainerRootfs.Overlay([RuntimeTestEnvironment.BusyboxRootfs]), sandbox.ContainerDir(id), null, Ct);
        var e = await Assert.ThrowsAnyAsync<Exception>(() => sandbox.Service.StartAsync(id, Ct));
        Assert.Contains("/no/such/binary", e.Message);
    }

    [Fact]
    public async Task Log_MaxSize_Rotates()
    {
        await using var sandbox = new RuntimeSandbox();
        var (id, _) = await sandbox.StartAsync("i=0; while [ $i -lt 300 ]; do echo line-$i-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx; i=$((i+1)); done",
            c => c with { LogMaxSize = 4096, LogMaxFile = 3 });
        await sandbox.Service.WaitAsync(id, Ct);
        string log = sandbox.Service.LogPath(id)!;
        Assert.True(File.Exists(log + ".1"));
        Assert.True(File.Exists(log + ".2"));
        Assert.False(File.Exists(log + ".3"));
        Assert.True(new FileInfo(log).Length <= 4096);
        Assert.Contains("line-299-", RuntimeTestEnvironment.ReadJsonLog(log).Stdout);
    }

    private static int GetSid(int pid)
    {
        string stat = File.ReadAllText($"/proc/{pid}/stat");
        return int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[3], CultureInfo.InvariantCulture);
    }

    private static async Task WaitForLogAsync(RuntimeSandbox sandbox, string id, string text, bool stderr = false)
    {
        for (int i = 0; i < 200; i++)
        {
            var (o, e) = RuntimeTestEnvironment.ReadJsonLog(sandbox.Service.LogPath(id)!);
            if ((stderr ? e : o).Contains(text, StringComparison.Ordinal)) return;
            await Task.Delay(50, Ct);
        }
        throw new TimeoutException($"'{text}' never appeared in the log");
    }
}
