using System.Text.Json;
using Moat.Compat.Tests.Infrastructure;

namespace Moat.Compat.Tests.Containers;

/// <summary>--init (docker-init as PID 1), live docker update, docker stats values, and prune leaving nothing behind.</summary>
public sealed class ContainerResourcesTests(BusyboxDaemonFixture fixture) : IClassFixture<BusyboxDaemonFixture>
{
    private MoatDaemon Daemon => fixture.Daemon;


    private static string Pid1(string psOutput) =>
        psOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(l => l.Split(' ', 2, StringSplitOptions.RemoveEmptyEntries))
            .Single(f => f[0] == "1")[1].Trim();

    [Fact]
    public async Task Run_Init_DockerInitIsPid1()
    {
        string withInit = await Daemon.DockerOkAsync("run", "--rm", "--init", "busybox", "ps", "-o", "pid,comm");
        Assert.Equal("docker-init", Pid1(withInit));
        Assert.Contains("ps", withInit);
        Assert.Equal("ps", Pid1(await Daemon.DockerOkAsync("run", "--rm", "busybox", "ps", "-o", "pid,comm")));
        // Read-only, and the command's exit code comes through tini.
        var r = await Daemon.DockerAsync("run", "--rm", "--init", "busybox", "sh", "-c", "echo x > /sbin/docker-init || exit 9");
        Assert.Equal(9, r.ExitCode);
        await Daemon.DockerOkAsync("run", "--name", "initflag", "--init", "busybox", "true");
        Assert.Equal("true", await Daemon.DockerOkAsync("inspect", "-f", "{{.HostConfig.Init}}", "initflag"));
        await Daemon.DockerOkAsync("rm", "initflag");
    }

    [Fact]
    public async Task Info_ReportsInitBinary()
    {
        Assert.Equal("docker-init", await Daemon.DockerOkAsync("info", "-f", "{{.InitBinary}}"));
        Assert.NotEqual("", await Daemon.DockerOkAsync("info", "-f", "{{.InitCommit.ID}}"));
    }

    [Fact]
    public async Task DaemonInit_IsTheDefault_ContainerCanOptOut()
    {
        await using var daemon = await MoatDaemon.StartAsync("""{"init": true}""");
        await BusyboxImage.ImportAsync(daemon);
        var r = await daemon.DockerAsync("run", "--rm", "busybox", "ps", "-o", "pid,comm");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal("docker-init", Pid1(r.Stdout));
        r = await daemon.DockerAsync("run", "--rm", "--init=false", "busybox", "ps", "-o", "pid,comm");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal("ps", Pid1(r.Stdout));
    }

    [Fact]
    public async Task DaemonInitPath_Missing_FailsTheRun()
    {
        await using var daemon = await MoatDaemon.StartAsync("""{"init-path": "/no/such/docker-init"}""");
        await BusyboxImage.ImportAsync(daemon);
        Assert.Equal("/no/such/docker-init", (await daemon.DockerAsync("info", "-f", "{{.InitBinary}}")).Stdout.Trim());
        var r = await daemon.DockerAsync("run", "--rm", "--init", "busybox", "true");
        Assert.Equal(127, r.ExitCode); // the CLI's code for "executable file not found", as with dockerd
        Assert.Contains("executable file not found", r.Stderr);
    }

    [Fact]
    public async Task Update_Running_AppliesLimitsLive()
    {
        string id = await Daemon.DockerOkAsync("run", "-d", "--name", "live", "busybox", "sleep", "300");
        try
        {
            await Daemon.DockerOkAsync("update", "--memory", "64m", "--cpu-shares", "512", "--pids-limit", "50", "--cpus", "0.5", "--restart", "on-failure:2", "live");
            string cg(string controller, string file) => File.ReadAllText($"/sys/fs/cgroup/{controller}/moat/{id}/{file}").Trim();
            Assert.Equal("67108864", cg("memory", "memory.limit_in_bytes"));
            Assert.Equal("512", cg("cpu", "cpu.shares"));
            Assert.Equal("50", cg("pids", "pids.max"));
            Assert.Equal("50000", cg("cpu", "cpu.cfs_quota_us"));
            Assert.Equal("67108864 512 50 500000000 on-failure 2",
                await Daemon.DockerOkAsync("inspect", "-f", "{{.HostConfig.Memory}} {{.HostConfig.CpuShares}} {{.HostConfig.PidsLimit}} {{.HostConfig.NanoCpus}} {{.HostConfig.RestartPolicy.Name}} {{.HostConfig.RestartPolicy.MaximumRetryCount}}", "live"));
            // Seen from inside too (the container's own cgroup view), and a later update leaves the other limits alone.
            await Daemon.DockerOkAsync("update", "--memory", "96m", "live");
            Assert.Equal("100663296", cg("memory", "memory.limit_in_bytes"));
            Assert.Equal("512", cg("cpu", "cpu.shares"));
            Assert.Equal("running", await Daemon.DockerOkAsync("inspect", "-f", "{{.State.Status}}", "live"));
        }
        finally
        {
            await Daemon.DockerAsync("rm", "-f", "live");
        }
    }

    [Fact]
    public async Task Update_BelowMinimumMemory_IsRefused()
    {
        await Daemon.DockerOkAsync("run", "-d", "--name", "tiny", "busybox", "sleep", "300");
        try
        {
            var r = await Daemon.DockerAsync("update", "--memory", "1m", "tiny");
            Assert.NotEqual(0, r.ExitCode);
            Assert.Contains("Minimum memory limit allowed is 6MB", r.Stderr);
        }
        finally
        {
            await Daemon.DockerAsync("rm", "-f", "tiny");
        }
    }

    [Fact]
    public async Task Stats_NoStream_ShowsRealUsage()
    {
        // CPU: a busy loop; memory: a 16 MiB tmpfs file; network: ARP/pings over a veth pair (busybox names the peer
        // veth0); block I/O: direct writes.
        await Daemon.DockerOkAsync("run", "-d", "--name", "busy", "--cap-add", "NET_ADMIN", "--memory", "256m", "busybox", "sh", "-c",
            "ip link add a0 type veth && ip link set a0 up && ip link set veth0 up && ip addr add 10.99.0.1/24 dev a0 && ping -c 3 -W 1 10.99.0.2; " +
            "dd if=/dev/zero of=/big bs=1M count=8 oflag=direct 2>/dev/null; head -c 16777216 /dev/zero > /dev/shm/m; " +
            "touch /ready; while :; do :; done");
        try
        {
            for (int i = 0; i < 200 && (await Daemon.DockerAsync("exec", "busy", "test", "-e", "/ready")).ExitCode != 0
                && !File.Exists(Path.Combine(Daemon.DataRoot, "containers", await Daemon.DockerOkAsync("inspect", "-f", "{{.Id}}", "busy"), "bundle", "diff", "ready")); i++)
                await Task.Delay(100, TestContext.Current.CancellationToken);
            using var doc = JsonDocument.Parse(await Daemon.DockerOkAsync("stats", "--no-stream", "--format", "{{json .}}", "busy"));
            var s = doc.RootElement;
            double cpu = double.Parse(s.GetProperty("CPUPerc").GetString()!.TrimEnd('%'), System.Globalization.CultureInfo.InvariantCulture);
            Assert.True(cpu > 10, $"CPU {cpu}%");
            string mem = s.GetProperty("MemUsage").GetString()!;
            Assert.EndsWith("/ 256MiB", mem);
            Assert.Contains("MiB /", mem);
            Assert.True(double.Parse(mem.Split("MiB")[0], System.Globalization.CultureInfo.InvariantCulture) >= 16, mem);
            string net = s.GetProperty("NetIO").GetString()!;
            Assert.False(net.EndsWith("/ 0B", StringComparison.Ordinal), $"NET I/O {net}");
            // Block I/O is what the kernel counts in the container's blkio cgroup (on this VM's virtio disk it may be 0).
            string block = s.GetProperty("BlockIO").GetString()!;
            string blkio = $"/sys/fs/cgroup/blkio/moat/{await Daemon.DockerOkAsync("inspect", "-f", "{{.Id}}", "busy")}";
            bool counted = new[] { "blkio.bfq.io_service_bytes_recursive", "blkio.throttle.io_service_bytes_recursive" }
                .Select(f => Path.Combine(blkio, f)).Where(File.Exists)
                .Any(f => File.ReadAllLines(f).Any(l => l.Split(' ') is [_, "Write", var v] && v != "0"));
            if (counted) Assert.False(block.EndsWith("/ 0B", StringComparison.Ordinal), $"BLOCK I/O {block}");
            else Assert.Equal("0B / 0B", block);
            Assert.Equal("1", s.GetProperty("PIDs").GetString());
        }
        finally
        {
            await Daemon.DockerAsync("rm", "-f", "busy");
        }
    }

    [Fact]
    public async Task Prune_ManyStopped_LeavesNothingBehind()
    {
        await using var daemon = await MoatDaemon.StartAsync();
        await BusyboxImage.ImportAsync(daemon);
        var ids = new List<string>();
        for (int i = 0; i < 20; i++)
        {
            var c = await daemon.DockerAsync("create", "busybox", "true");
            Assert.Equal(0, c.ExitCode);
            ids.Add(c.Stdout.Trim());
        }
        for (int i = 0; i < 5; i++)
        {
            var r = await daemon.DockerAsync("run", "-d", "busybox", "sh", "-c", $"echo {i} > /f; exit {i}");
            Assert.Equal(0, r.ExitCode);
            ids.Add(r.Stdout.Trim());
        }
        for (int i = 0; i < 100 && (await daemon.DockerAsync("ps", "-q")).Stdout.Trim().Length > 0; i++) await Task.Delay(100, TestContext.Current.CancellationToken);
        // A stopped container's filesystem is still there for reads (mounted on demand).
        string tar = Path.Combine(daemon.Dir.Path, "export.tar");
        var export = await daemon.DockerAsync("export", "-o", tar, ids[^1]);
        Assert.True(export.ExitCode == 0, export.ToString());
        Assert.Equal("4\n", (await ProcessRunner.RunAsync("tar", ["-xOf", tar, "./f"])).Stdout);

        var prune = await daemon.DockerAsync("container", "prune", "-f");
        Assert.True(prune.ExitCode == 0, prune.ToString());
        foreach (var id in ids) Assert.Contains(id, prune.Stdout);
        Assert.Equal("", (await daemon.DockerAsync("ps", "-aq")).Stdout.Trim());

        Assert.DoesNotContain(File.ReadAllLines("/proc/self/mountinfo"), l => l.Contains(daemon.Dir.Path, StringComparison.Ordinal));
        string runcState = Path.Combine(daemon.ExecRoot, "runtime-runc");
        Assert.True(!Directory.Exists(runcState) || !Directory.EnumerateDirectories(runcState).Any());
        foreach (var id in ids)
        {
            Assert.False(Directory.Exists(Path.Combine(daemon.DataRoot, "containers", id)));
            Assert.False(Directory.Exists(Path.Combine(daemon.ExecRoot, "moat", id)));
            Assert.False(Directory.Exists($"/sys/fs/cgroup/memory/moat/{id}"));
        }
        // The directories went to the trash at once; the background deletion empties it.
        foreach (var trash in new[] { Path.Combine(daemon.DataRoot, "containers", ".trash"), Path.Combine(daemon.ExecRoot, "moat", ".trash") })
        {
            for (int i = 0; i < 100 && Directory.Exists(trash) && Directory.EnumerateFileSystemEntries(trash).Any(); i++)
                await Task.Delay(50, TestContext.Current.CancellationToken);
            Assert.True(!Directory.Exists(trash) || !Directory.EnumerateFileSystemEntries(trash).Any(), trash);
        }
    }
}
