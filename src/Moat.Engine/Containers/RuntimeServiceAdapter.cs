using Moat.Engine.Containers.Logs;
using Moat.Engine.Runtime;

namespace Moat.Engine.Containers;

/// <summary>
/// <see cref="IContainerRuntime"/> over the runtime area's <see cref="RuntimeService"/> (runc/crun under moat-shim).
/// Each container's bundle (rootfs mount, rw layer, config.json) lives in &lt;data-root&gt;/containers/&lt;id&gt;/bundle.
/// </summary>
public sealed class RuntimeServiceAdapter : IContainerRuntime
{
    private readonly RuntimeService _runtime;
    private readonly ContainerStore _store;

    public RuntimeServiceAdapter(RuntimeService runtime, ContainerStore store)
    {
        _runtime = runtime;
        _store = store;
    }

    private string BundleDir(string id) => Path.Combine(_store.DirectoryOf(id), "bundle");

    /// <summary>At create: records the container and its rw layer; nothing is mounted until it starts.</summary>
    public Task PrepareAsync(RuntimeContainerSpec spec, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        _runtime.Register(Map(spec), new ContainerRootfs.Overlay(spec.LowerDirs), BundleDir(spec.Id), spec.Runtime);
        return Task.CompletedTask;
    }

    public async Task<int> StartAsync(RuntimeContainerSpec spec, CancellationToken cancellationToken)
    {
        // The bundle is made before every start: it mounts the rootfs and applies updated resources.
        await _runtime.PrepareAsync(Map(spec), new ContainerRootfs.Overlay(spec.LowerDirs), BundleDir(spec.Id), spec.Runtime, cancellationToken);
        try
        {
            return await _runtime.StartAsync(spec.Id, cancellationToken);
        }
        catch (OciRuntimeException e)
        {
            throw new ContainerStartException(Trim(e.Message), e);
        }
    }

    private static string Trim(string message) => message.Trim().Replace("\n", " ", StringComparison.Ordinal);

    public async Task<RuntimeExit> WaitAsync(string id, CancellationToken cancellationToken)
    {
        var exit = await _runtime.WaitAsync(id, cancellationToken);
        return new RuntimeExit(exit.ExitCode, exit.FinishedAt, exit.OomKilled);
    }

    public Task KillAsync(string id, int signal, CancellationToken cancellationToken) => _runtime.KillAsync(id, signal, cancellationToken);

    public async Task UpdateAsync(RuntimeContainerSpec spec, CancellationToken cancellationToken)
    {
        try
        {
            await _runtime.UpdateAsync(spec.Id, OciSpecBuilder.ResourceLimits(Map(spec)), cancellationToken);
        }
        catch (OciRuntimeException e)
        {
            throw new Errors.InvalidArgumentException($"Cannot update container {spec.Id}: {Trim(e.Message)}", e);
        }
    }

    public Task PauseAsync(string id, CancellationToken cancellationToken) => _runtime.PauseAsync(id, cancellationToken);

    public Task ResumeAsync(string id, CancellationToken cancellationToken) => _runtime.ResumeAsync(id, cancellationToken);

    public async Task ReleaseAsync(string id, CancellationToken cancellationToken)
    {
        try { await _runtime.ReleaseAsync(id, cancellationToken); }
        catch (RuntimeContainerNotFoundException) { }
    }

    public async Task DeleteAsync(string id, CancellationToken cancellationToken)
    {
        try
        {
            // The bundle is inside the container's directory, which the store discards next.
            await _runtime.DeleteAsync(id, removeBundle: false, cancellationToken);
        }
        catch (RuntimeContainerNotFoundException)
        {
            // Never prepared (or already deleted): nothing is mounted; the store removes the directory.
        }
    }

    public async Task<RuntimeStatus> RecoverAsync(string id, CancellationToken cancellationToken)
    {
        (Runtime.RuntimeStatus status, int pid) state;
        try
        {
            state = await _runtime.StateAsync(id, cancellationToken);
        }
        catch (RuntimeContainerNotFoundException)
        {
            return new RuntimeStatus(RuntimeState.Unknown);
        }
        ContainerExit? exit = null;
        try { exit = _runtime.GetExit(id); }
        catch (RuntimeContainerNotFoundException) { }
        if (state.status is Runtime.RuntimeStatus.Running or Runtime.RuntimeStatus.Paused && state.pid > 0)
            return new RuntimeStatus(state.status == Runtime.RuntimeStatus.Paused ? RuntimeState.Paused : RuntimeState.Running, state.pid);
        var e = exit ?? new ContainerExit(255, DateTimeOffset.UtcNow, false);
        return new RuntimeStatus(RuntimeState.Stopped, 0, new RuntimeExit(e.ExitCode, e.FinishedAt, e.OomKilled));
    }

    public Task<RuntimeStats> StatsAsync(string id, CancellationToken cancellationToken)
    {
        var s = _runtime.Stats(id);
        // As dockerd: a container without a memory limit shows the host's memory as its limit.
        ulong limit = HostMemory.Value > 0 ? Math.Min(s.MemoryLimit, HostMemory.Value) : s.MemoryLimit;
        return Task.FromResult(new RuntimeStats(s.CpuTotalNs, s.SystemCpuNs, (int)s.OnlineCpus, s.MemoryUsage, limit, s.PidsCurrent, s.PidsLimit ?? 0)
        {
            CpuUserNanos = s.CpuUserNs,
            CpuKernelNanos = s.CpuKernelNs,
            PerCpuNanos = s.PerCpuNs,
            ThrottlingPeriods = s.ThrottlingPeriods,
            ThrottledPeriods = s.ThrottledPeriods,
            ThrottledTimeNanos = s.ThrottledTimeNs,
            MemoryMaxUsage = s.MemoryMaxUsage,
            MemoryFailcnt = s.MemoryFailcnt,
            MemoryStat = s.MemoryStat,
            IoServiceBytes = s.IoServiceBytes.Select(b => new RuntimeBlkio(b.Major, b.Minor, b.Op, b.Value)).ToList(),
            IoServiced = s.IoServiced.Select(b => new RuntimeBlkio(b.Major, b.Minor, b.Op, b.Value)).ToList(),
            Networks = s.Networks.Select(n => new RuntimeNetwork(n.Interface, n.RxBytes, n.RxPackets, n.RxErrors, n.RxDropped, n.TxBytes, n.TxPackets, n.TxErrors, n.TxDropped)).ToList(),
        });
    }

    private static readonly Lazy<ulong> HostMemory = new(() =>
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/meminfo"))
                if (line.StartsWith("MemTotal:", StringComparison.Ordinal))
                    return ulong.Parse(line["MemTotal:".Length..].Replace("kB", "", StringComparison.Ordinal).Trim(), System.Globalization.CultureInfo.InvariantCulture) * 1024;
        }
        catch (IOException) { }
        return 0;
    });

    public async Task<IReadOnlyList<int>> PidsAsync(string id, CancellationToken cancellationToken)
    {
        var processes = await _runtime.TopAsync(id, cancellationToken);
        return processes.Select(p => p.Pid).ToList();
    }

    public string? RootfsPath(string id)
    {
        try { return _runtime.EnsureMounted(id); }
        catch (RuntimeContainerNotFoundException) { return null; }
    }

    private static ContainerRuntimeConfig Map(RuntimeContainerSpec spec)
    {
        var binds = new List<BindMount>();
        var tmpfs = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var m in spec.Mounts)
        {
            if (m.Type == "tmpfs")
                tmpfs[m.Destination] = string.Join(',', m.Options.Where(o => o is not ("nosuid" or "nodev" or "noexec")));
            else
                binds.Add(new BindMount(m.Source, m.Destination, ReadOnly: m.Options.Contains("ro")));
        }
        (SeccompMode mode, string? json) = spec.SeccompProfile switch
        {
            null or "" or "builtin" => (SeccompMode.Builtin, (string?)null),
            "unconfined" => (SeccompMode.Unconfined, null),
            var profile => (SeccompMode.Custom, profile),
        };
        var args = spec.Args;
        if (spec.InitPath is not null)
        {
            // As dockerd: docker-init read-only at /sbin/docker-init, running the command after "--".
            binds.Add(new BindMount(spec.InitPath, InitBinary.ContainerPath, ReadOnly: true));
            args = [InitBinary.ContainerPath, "--", .. spec.Args];
        }
        long maxSize = spec.LogOptions.TryGetValue("max-size", out var size) ? JsonLogWriter.ParseSize(size) : 0;
        int maxFile = spec.LogOptions.TryGetValue("max-file", out var files) && int.TryParse(files, out int n) && n > 0 ? n : 1;
        return new ContainerRuntimeConfig
        {
            Id = spec.Id,
            Args = args,
            Env = spec.Env,
            WorkingDir = spec.WorkingDir,
            User = spec.User,
            Hostname = spec.Hostname,
            Domainname = spec.Domainname,
            Terminal = spec.Tty,
            Privileged = spec.Privileged,
            CapAdd = spec.CapAdd,
            CapDrop = spec.CapDrop,
            ReadonlyRootfs = spec.ReadonlyRootfs,
            NoNewPrivileges = spec.NoNewPrivileges,
            Seccomp = mode,
            SeccompProfileJson = json,
            Memory = spec.Memory,
            NanoCpus = spec.NanoCpus,
            CpuShares = spec.CpuShares,
            PidsLimit = spec.PidsLimit,
            Ulimits = spec.Ulimits.Select(u => new Ulimit(u.Name, u.Soft, u.Hard)).ToList(),
            ShmSize = spec.ShmSize,
            Tmpfs = tmpfs,
            Mounts = binds,
            Sysctls = spec.Sysctls,
            NetworkMode = spec.NetworkMode switch { "host" => NamespaceMode.Host, "none" => NamespaceMode.None, _ => NamespaceMode.Private },
            Labels = spec.Labels,
            OpenStdin = spec.OpenStdin,
            StdinOnce = spec.StdinOnce,
            LogPath = spec.LogPath,
            LogMaxSize = maxSize,
            LogMaxFile = maxFile,
        };
    }
}
