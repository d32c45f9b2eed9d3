using Moat.Engine.Runtime;

namespace Moat.Engine.Tests.Runtime;

/// <summary>
/// One test's exec-root and container dirs, and a RuntimeService over them. Disposing deletes every container it
/// started (runc delete -f), unmounts what it mounted and removes the dirs — also when the test failed.
/// </summary>
internal sealed class RuntimeSandbox : IAsyncDisposable
{
    private readonly List<string> _ids = [];

    public RuntimeSandbox(bool noNewPrivileges = false)
    {
        Root = Path.Combine("/tmp", "mrt-" + Guid.NewGuid().ToString("N")[..10]);
        Directory.CreateDirectory(Root);
        Options = new RuntimeOptions
        {
            ExecRoot = Path.Combine(Root, "run"),
            ShimPath = RuntimeTestEnvironment.ShimPath,
            NoNewPrivileges = noNewPrivileges,
            // A parent cgroup of its own: one shared by every sandbox was removed by whichever test ended first
            // while runc was creating another test's container under it ("openat2 …/cpuset.cpus: no such file").
            CgroupParent = "/" + Path.GetFileName(Root),
        };
        Service = new RuntimeService(Options);
    }

    public string Root { get; }
    public RuntimeOptions Options { get; }
    public RuntimeService Service { get; private set; }

    /// <summary>Forgets all in-process state, as a moatd restart does.</summary>
    public RuntimeService Restart() => Service = new RuntimeService(Options);

    public string NewId()
    {
        string id = "mt" + Guid.NewGuid().ToString("N")[..16];
        _ids.Add(id);
        return id;
    }

    public string ContainerDir(string id) => Path.Combine(Root, "containers", id);

    /// <summary>A private copy of the busybox rootfs (for tests that write to it or need a plain dir).</summary>
    public string CopyRootfs(string id)
    {
        string dir = Path.Combine(Root, "rootfs-" + id);
        RuntimeTestEnvironment.WriteBusyboxRootfs(dir);
        return dir;
    }

    /// <summary>Prepares and starts a busybox container running <paramref name="script"/> with sh -c.</summary>
    public async Task<(string Id, int Pid)> StartAsync(string script, Func<ContainerRuntimeConfig, ContainerRuntimeConfig>? configure = null, bool overlay = true)
    {
        string id = NewId();
        var config = new ContainerRuntimeConfig { Id = id, Args = ["/bin/sh", "-c", script] };
        if (configure is not null) config = configure(config);
        ContainerRootfs rootfs = overlay ? new ContainerRootfs.Overlay([RuntimeTestEnvironment.BusyboxRootfs]) : new ContainerRootfs.Directory(CopyRootfs(id));
        await Service.PrepareAsync(config, rootfs, ContainerDir(id), null, TestContext.Current.CancellationToken);
        int pid = await Service.StartAsync(id, TestContext.Current.CancellationToken);
        return (id, pid);
    }

    /// <summary>Runs <paramref name="script"/> to its end; returns the exit code and what it printed.</summary>
    public async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(string script, Func<ContainerRuntimeConfig, ContainerRuntimeConfig>? configure = null, bool overlay = true)
    {
        var (id, _) = await StartAsync(script, configure, overlay);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        cts.CancelAfter(TimeSpan.FromSeconds(30));
        var exit = await Service.WaitAsync(id, cts.Token);
        var (stdout, stderr) = RuntimeTestEnvironment.ReadJsonLog(Service.LogPath(id)!);
        return (exit.ExitCode, stdout, stderr);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var id in _ids)
        {
            try { await Service.DeleteAsync(id, removeBundle: true, CancellationToken.None); }
            catch (Exception) { /* fall through to the brute-force cleanup below */ }
            RuntimeTestEnvironment.Run("/usr/sbin/runc", ["--root", Path.Combine(Options.ExecRoot, "runtime-runc"), "delete", "-f", id]);
            string rootfs = Path.Combine(ContainerDir(id), "rootfs");
            RuntimeTestEnvironment.Run("umount", ["-l", rootfs]);
        }
        // Then the sandbox's parent cgroup in every hierarchy.
        foreach (var controller in Directory.Exists("/sys/fs/cgroup") ? Directory.GetDirectories("/sys/fs/cgroup") : [])
        {
            try { Directory.Delete(Path.Combine(controller, Options.CgroupParent.TrimStart('/'))); }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
        }
        try { Directory.Delete(Root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
