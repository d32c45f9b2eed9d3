using Moat.Engine.Runtime;

namespace Moat.Engine.Tests.Runtime;

/// <summary>
/// What makes removal cheap: after its process exits a container is released (no runtime state, no cgroups, no
/// mount), reads mount it again on demand, and a fresh container is only recorded until it starts.
/// </summary>
public sealed class RuntimeReleaseTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string RuncState(RuntimeSandbox sandbox, string id) => Path.Combine(sandbox.Options.ExecRoot, "runtime-runc", id);

    private static string MemoryCgroup(RuntimeSandbox sandbox, string id) => $"/sys/fs/cgroup/memory{sandbox.Options.CgroupParent}/{id}";

    [Fact]
    public async Task Release_AfterExit_DropsRuntimeStateCgroupsAndMount()
    {
        await using var sandbox = new RuntimeSandbox();
        var (id, _) = await sandbox.StartAsync("echo kept > /file; exit 7");
        Assert.Equal(7, (await sandbox.Service.WaitAsync(id, Ct)).ExitCode);
        string rootfs = Path.Combine(sandbox.ContainerDir(id), "rootfs");
        Assert.True(Directory.Exists(RuncState(sandbox, id)));

        await sandbox.Service.ReleaseAsync(id, Ct);

        Assert.False(Directory.Exists(RuncState(sandbox, id)));
        Assert.False(Directory.Exists(MemoryCgroup(sandbox, id)));
        Assert.False(RuntimeService.IsMountPoint(rootfs));
        Assert.Equal(7, sandbox.Service.GetExit(id)!.ExitCode);
        Assert.Equal((RuntimeStatus.Unknown, 0), await sandbox.Service.StateAsync(id, Ct));

        // Reads (export, cp) mount it again, with the container's changes.
        Assert.Equal(rootfs, sandbox.Service.EnsureMounted(id));
        Assert.True(RuntimeService.IsMountPoint(rootfs));
        Assert.Equal("kept\n", File.ReadAllText(Path.Combine(rootfs, "file")));

        await sandbox.Service.DeleteAsync(id, removeBundle: true, Ct);
        Assert.False(RuntimeService.IsMountPoint(rootfs));
        Assert.False(Directory.Exists(sandbox.ContainerDir(id)));
        Assert.False(Directory.Exists(sandbox.Service.StateDir(id)));
    }

    [Fact]
    public async Task Release_Running_LeavesItAlone()
    {
        await using var sandbox = new RuntimeSandbox();
        var (id, pid) = await sandbox.StartAsync("sleep 1000");
        await sandbox.Service.ReleaseAsync(id, Ct);
        Assert.Equal((RuntimeStatus.Running, pid), await sandbox.Service.StateAsync(id, Ct));
        Assert.True(RuntimeService.IsMountPoint(Path.Combine(sandbox.ContainerDir(id), "rootfs")));
        Assert.True(Directory.Exists(RuncState(sandbox, id)));
    }

    [Fact]
    public async Task Release_ThenStartAgain_RunsFromTheSameLayer()
    {
        await using var sandbox = new RuntimeSandbox();
        var (id, _) = await sandbox.StartAsync("echo run >> /runs; cat /runs | wc -l");
        await sandbox.Service.WaitAsync(id, Ct);
        await sandbox.Service.ReleaseAsync(id, Ct);
        await sandbox.Service.PrepareAsync(new ContainerRuntimeConfig { Id = id, Args = ["/bin/sh", "-c", "echo run >> /runs; cat /runs | wc -l"] },
            new ContainerRootfs.Overlay([RuntimeTestEnvironment.BusyboxRootfs]), sandbox.ContainerDir(id), null, Ct);
        await sandbox.Service.StartAsync(id, Ct);
        Assert.Equal(0, (await sandbox.Service.WaitAsync(id, Ct)).ExitCode);
        var (stdout, _) = RuntimeTestEnvironment.ReadJsonLog(sandbox.Service.LogPath(id)!);
        Assert.Equal("1\n2\n", stdout);
    }

    [Fact]
    public async Task Register_RecordsWithoutMounting_EnsureMountedMountsOnDemand()
    {
        await using var sandbox = new RuntimeSandbox();
        string id = sandbox.NewId();
        sandbox.Service.Register(new ContainerRuntimeConfig { Id = id, Args = ["true"] }, new ContainerRootfs.Overlay([RuntimeTestEnvironment.BusyboxRootfs]), sandbox.ContainerDir(id), null);
        string rootfs = Path.Combine(sandbox.ContainerDir(id), "rootfs");
        Assert.False(RuntimeService.IsMountPoint(rootfs));
        Assert.False(File.Exists(Path.Combine(sandbox.ContainerDir(id), "config.json")));

        // A new service (moatd restarted) finds it from runtime.json alone.
        sandbox.Restart();
        Assert.Equal(rootfs, sandbox.Service.EnsureMounted(id));
        Assert.True(File.Exists(Path.Combine(rootfs, "bin/busybox")));
        await sandbox.Service.DeleteAsync(id, removeBundle: true, Ct);
        Assert.False(RuntimeService.IsMountPoint(rootfs));
    }

    [Fact]
    public async Task Start_AfterRegister_RunsWithRunDetach()
    {
        await using var sandbox = new RuntimeSandbox();
        var (exitCode, stdout, _) = await sandbox.RunAsync("ip link show lo | grep -c UP; echo ok");
        Assert.Equal(0, exitCode);
        Assert.Equal("1\nok\n", stdout);
    }

    [Fact]
    public async Task Stats_ReportsBlockIoAndNetworkOfTheContainer()
    {
        await using var sandbox = new RuntimeSandbox();
        var (id, _) = await sandbox.StartAsync(
            "ip link add a0 type veth && ip link set a0 up && ip link set veth0 up && ip addr add 10.99.0.1/24 dev a0 && ping -c 3 -W 1 10.99.0.2; " +
            "dd if=/dev/zero of=/big bs=1M count=8 oflag=direct 2>/dev/null; touch /done; sleep 1000",
            c => c with { CapAdd = ["NET_ADMIN"] });
        string done = Path.Combine(sandbox.ContainerDir(id), "diff", "done");
        for (int i = 0; i < 200 && !File.Exists(done); i++) await Task.Delay(50, Ct);
        Assert.True(File.Exists(done));
        var stats = sandbox.Service.Stats(id);
        // busybox's `ip link add a0 type veth` names the peer veth0: what a0 sends, veth0 receives.
        Assert.Equal(["a0", "veth0"], stats.Networks.Select(n => n.Interface).Order());
        var a0 = stats.Networks.Single(n => n.Interface == "a0");
        var veth0 = stats.Networks.Single(n => n.Interface == "veth0");
        Assert.True(a0.TxPackets > 0 && a0.TxBytes >= 42 * a0.TxPackets, $"a0 tx {a0.TxPackets} packets, {a0.TxBytes} bytes");
        Assert.Equal(a0.TxBytes, veth0.RxBytes);
        // Block I/O is what the kernel counts for the cgroup (this VM's v1 blkio counters may stay 0 for virtio).
        ulong written = stats.IoServiceBytes.Where(b => b.Op == "write").Aggregate(0UL, (a, b) => a + b.Value);
        Assert.Equal(KernelWrittenBytes($"/sys/fs/cgroup/blkio{sandbox.Options.CgroupParent}/{id}"), written);
    }

    /// <summary>The "Write" lines of the cgroup's bfq counters, else its throttle counters (as CgroupReader picks them).</summary>
    internal static ulong KernelWrittenBytes(string blkioDir)
    {
        foreach (var file in new[] { "blkio.bfq.io_service_bytes_recursive", "blkio.io_service_bytes_recursive", "blkio.throttle.io_service_bytes_recursive" })
        {
            string path = Path.Combine(blkioDir, file);
            if (!File.Exists(path)) continue;
            var lines = File.ReadAllLines(path).Select(l => l.Split(' ')).Where(f => f.Length == 3).ToList();
            if (lines.Count == 0) continue;
            return lines.Where(f => f[1] == "Write").Aggregate(0UL, (a, f) => a + ulong.Parse(f[2], System.Globalization.CultureInfo.InvariantCulture));
        }
        return 0;
    }
}
