using System.Globalization;
using System.Text;
using Moat.Engine.Errors;
using Moat.Engine.Runtime.Oci;
using Moat.Engine.Runtime.Seccomp;
using Moat.Linux;

namespace Moat.Engine.Runtime;

/// <summary>The spec and what the builder had to change to make it runnable here (shown to the user as warnings).</summary>
public sealed record SpecBuildResult(OciSpec Spec, IReadOnlyList<string> Warnings);

/// <summary>
/// Builds a container's config.json the way dockerd does (moby oci/defaults.go, daemon/oci_linux.go): Docker's
/// default capabilities, mounts, masked and read-only paths, device rules and seccomp profile, then the
/// container's own settings on top. <c>--privileged</c> lifts them as Docker does.
/// </summary>
public static class OciSpecBuilder
{
    public const string DefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
    public const long DefaultShmSize = 64L << 20;

    /// <summary>moby oci/defaults.go (v28): paths hidden from the container.</summary>
    public static readonly IReadOnlyList<string> DefaultMaskedPaths =
    [
        "/proc/asound", "/proc/acpi", "/proc/interrupts", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
        "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi", "/sys/firmware",
        "/sys/devices/virtual/powercap",
    ];

    /// <summary>moby oci/defaults.go: paths the container sees read-only.</summary>
    public static readonly IReadOnlyList<string> DefaultReadonlyPaths =
        ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"];

    private static readonly string[] SafeSysctls =
        ["kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem", "kernel.shmall", "kernel.shmmax", "kernel.shmmni", "kernel.shm_rmid_forced"];

    /// <summary>
    /// Builds the spec for <paramref name="config"/> with its root at <paramref name="rootfs"/> and writes
    /// hosts, hostname and resolv.conf into <paramref name="containerDir"/> (bind-mounted into the container).
    /// </summary>
    public static SpecBuildResult Build(ContainerRuntimeConfig config, string containerDir, string rootfs, RuntimeOptions options)
    {
        var warnings = new List<string>();
        ValidateId(config.Id);
        if (config.Args.Count == 0) throw new InvalidArgumentException("no command specified");

        var spec = new OciSpec
        {
            Root = new OciRoot { Path = rootfs, Readonly = config.ReadonlyRootfs ? true : null },
            // Docker: a container on the host's network is named like the host unless told otherwise.
            Hostname = config.UtsMode == NamespaceMode.Host ? null
                : config.Hostname is { Length: > 0 } h ? h
                : config.NetworkMode == NamespaceMode.Host && config.NetworkNamespacePath is null ? Environment.MachineName
                : config.Id[..Math.Min(12, config.Id.Length)],
            Domainname = config.UtsMode == NamespaceMode.Host || string.IsNullOrEmpty(config.Domainname) ? null : config.Domainname,
        };

        BuildProcess(spec, config, rootfs, options, warnings);
        BuildNamespaces(spec, config);
        BuildMounts(spec, config, containerDir);
        BuildResources(spec, config);
        BuildDevices(spec, config);
        BuildSysctls(spec, config);
        BuildSeccomp(spec, config, options);

        if (config.Privileged)
        {
            spec.Linux.MaskedPaths = null;
            spec.Linux.ReadonlyPaths = null;
            foreach (var m in spec.Mounts.Where(m => m.Type is "sysfs" or "cgroup")) m.Options?.Remove("ro");
            foreach (var m in spec.Mounts.Where(m => m.Type is "sysfs" or "cgroup")) if (m.Options is not null && !m.Options.Contains("rw")) m.Options.Insert(0, "rw");
        }
        spec.Linux.CgroupsPath = config.CgroupsPath ?? $"{options.CgroupParent.TrimEnd('/')}/{config.Id}";
        if (config.Labels.Count > 0) spec.Annotations = new Dictionary<string, string>(config.Labels);

        WriteEtcFiles(config, containerDir, spec.Hostname);
        return new SpecBuildResult(spec, warnings);
    }

    internal static void ValidateId(string id)
    {
        if (id.Length is 0 or > 128 || !id.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.') || id[0] == '.')
            throw new InvalidArgumentException($"invalid container id: {id}");
    }

    private static void BuildProcess(OciSpec spec, ContainerRuntimeConfig config, string rootfs, RuntimeOptions options, List<string> warnings)
    {
        var user = UserResolver.Resolve(rootfs, config.User, config.GroupAdd);
        var env = new List<string>(config.Env);
        bool Has(string name) => env.Any(e => e.StartsWith(name + "=", StringComparison.Ordinal));
        if (!Has("PATH")) env.Insert(0, "PATH=" + DefaultPath);
        if (!Has("HOSTNAME") && spec.Hostname is not null) env.Add("HOSTNAME=" + spec.Hostname);
        if (config.Terminal && !Has("TERM")) env.Add("TERM=xterm");
        if (!Has("HOME")) env.Add("HOME=" + user.Home);

        string cwd = string.IsNullOrEmpty(config.WorkingDir) ? "/" : config.WorkingDir;
        if (!cwd.StartsWith('/')) throw new InvalidArgumentException($"the working directory '{cwd}' is invalid, it needs to be an absolute path");

        var available = Capabilities.HeldByDaemon;
        var caps = Capabilities.Resolve(Capabilities.Default, config.CapAdd, config.CapDrop, config.Privileged, available);
        var missing = caps.Where(c => !available.Contains(c)).ToList();
        if (missing.Count > 0)
        {
            warnings.Add($"capabilities not held by the daemon were left out: {string.Join(", ", missing)}");
            caps.RemoveAll(missing.Contains);
        }

        spec.Process = new OciProcess
        {
            Terminal = config.Terminal ? true : null,
            User = new OciUser { Uid = user.Uid, Gid = user.Gid, AdditionalGids = user.AdditionalGids.Count > 0 ? [.. user.AdditionalGids] : null },
            Args = [.. config.Args],
            Env = env,
            Cwd = cwd,
            Capabilities = new OciCapabilities { Bounding = [.. caps], Effective = [.. caps], Permitted = [.. caps] },
            NoNewPrivileges = (config.NoNewPrivileges ?? options.NoNewPrivileges) ? true : null,
            OomScoreAdj = config.OomScoreAdj,
            Rlimits = BuildRlimits(config, options, warnings),
        };
    }

    internal static List<OciRlimit>? BuildRlimits(ContainerRuntimeConfig config, RuntimeOptions options, List<string> warnings, IReadOnlyDictionary<string, ulong>? hardLimits = null)
    {
        hardLimits ??= HostLimits.HardLimits;
        var merged = new Dictionary<string, Ulimit>(StringComparer.Ordinal);
        foreach (var u in options.DefaultUlimits) merged[u.Name] = u;
        foreach (var u in config.Ulimits) merged[u.Name] = u;
        if (merged.Count == 0) return null;
        var list = new List<OciRlimit>();
        foreach (var u in merged.Values)
        {
            if (!HostLimits.Names.Contains(u.Name)) throw new InvalidArgumentException($"invalid ulimit type: {u.Name}");
            if (u.Soft > u.Hard && u.Hard >= 0) throw new InvalidArgumentException($"ulimit soft limit must be less than or equal to hard limit: {u.Soft} > {u.Hard}");
            ulong soft = u.Soft < 0 ? ulong.MaxValue : (ulong)u.Soft;
            ulong hard = u.Hard < 0 ? ulong.MaxValue : (ulong)u.Hard;
            if (hardLimits.TryGetValue(u.Name, out var max) && hard > max)
            {
                warnings.Add($"ulimit {u.Name} lowered to the daemon's hard limit {max} (asked {u.Soft}:{u.Hard})");
                hard = max;
                soft = Math.Min(soft, max);
            }
            list.Add(new OciRlimit { Type = "RLIMIT_" + u.Name.ToUpperInvariant(), Soft = soft, Hard = hard });
        }
        return list;
    }

    private static void BuildNamespaces(OciSpec spec, ContainerRuntimeConfig config)
    {
        var ns = spec.Linux.Namespaces;
        ns.Add(new OciNamespace { Type = "mount" });
        if (config.NetworkNamespacePath is { Length: > 0 } netns) ns.Add(new OciNamespace { Type = "network", Path = netns });
        else if (config.NetworkMode != NamespaceMode.Host) ns.Add(new OciNamespace { Type = "network" });
        if (config.UtsMode != NamespaceMode.Host) ns.Add(new OciNamespace { Type = "uts" });
        else spec.Hostname = spec.Domainname = null;
        if (config.PidMode != NamespaceMode.Host) ns.Add(new OciNamespace { Type = "pid" });
        if (config.IpcMode != NamespaceMode.Host) ns.Add(new OciNamespace { Type = "ipc" });
    }

    private static void BuildMounts(OciSpec spec, ContainerRuntimeConfig config, string containerDir)
    {
        long shm = config.ShmSize > 0 ? config.ShmSize : DefaultShmSize;
        var defaults = new List<OciMount>
        {
            new() { Destination = "/proc", Type = "proc", Source = "proc", Options = ["nosuid", "noexec", "nodev"] },
            new() { Destination = "/dev", Type = "tmpfs", Source = "tmpfs", Options = ["nosuid", "strictatime", "mode=755", "size=65536k"] },
            new() { Destination = "/dev/pts", Type = "devpts", Source = "devpts", Options = ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"] },
            new() { Destination = "/sys", Type = "sysfs", Source = "sysfs", Options = ["nosuid", "noexec", "nodev", "ro"] },
            new() { Destination = "/sys/fs/cgroup", Type = "cgroup", Source = "cgroup", Options = ["ro", "nosuid", "noexec", "nodev"] },
            new() { Destination = "/dev/mqueue", Type = "mqueue", Source = "mqueue", Options = ["nosuid", "noexec", "nodev"] },
        };
        if (config.IpcMode == NamespaceMode.Host)
            defaults.Add(new() { Destination = "/dev/shm", Type = "bind", Source = "/dev/shm", Options = ["rbind", "nosuid", "noexec", "nodev"] });
        else
            defaults.Add(new() { Destination = "/dev/shm", Type = "tmpfs", Source = "shm", Options = ["nosuid", "noexec", "nodev", "mode=1777", "size=" + shm.ToString(CultureInfo.InvariantCulture)] });

        var user = new List<OciMount>();
        foreach (var (dest, opts) in config.Tmpfs)
        {
            CheckDestination(dest);
            var options = new List<string> { "nosuid", "nodev", "noexec" };
            foreach (var o in opts.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                if (o is "exec" or "suid" or "dev") options.Remove("no" + o);
                if (!options.Contains(o)) options.Add(o);
            }
            user.Add(new OciMount { Destination = dest, Type = "tmpfs", Source = "tmpfs", Options = options });
        }
        foreach (var b in config.Mounts)
        {
            CheckDestination(b.Destination);
            if (!b.Source.StartsWith('/')) throw new InvalidArgumentException($"invalid mount config for type \"bind\": invalid mount path: '{b.Source}' mount path must be absolute");
            if (!Path.Exists(b.Source)) throw new InvalidArgumentException($"invalid mount config for type \"bind\": bind source path does not exist: {b.Source}");
            var options = new List<string> { b.NonRecursive ? "bind" : "rbind", b.ReadOnly ? "ro" : "rw" };
            string prop = string.IsNullOrEmpty(b.Propagation) ? "rprivate" : b.Propagation;
            if (prop is not ("private" or "rprivate" or "shared" or "rshared" or "slave" or "rslave"))
                throw new InvalidArgumentException($"invalid propagation mode: {prop}");
            options.Add(prop);
            user.Add(new OciMount { Destination = b.Destination, Type = "bind", Source = b.Source, Options = options });
        }
        if (user.Select(m => Path.TrimEndingDirectorySeparator(m.Destination)).GroupBy(d => d).FirstOrDefault(g => g.Count() > 1) is { } dup)
            throw new InvalidArgumentException($"Duplicate mount point: {dup.Key}");

        var taken = user.Select(m => Path.TrimEndingDirectorySeparator(m.Destination)).ToHashSet();
        var mounts = defaults.Where(m => !taken.Contains(m.Destination)).ToList();
        foreach (var (name, dest) in new[] { ("resolv.conf", "/etc/resolv.conf"), ("hostname", "/etc/hostname"), ("hosts", "/etc/hosts") })
        {
            if (taken.Contains(dest)) continue;
            mounts.Add(new OciMount { Destination = dest, Type = "bind", Source = Path.Combine(containerDir, name), Options = ["rbind", "rprivate", config.ReadonlyRootfs ? "ro" : "rw"] });
        }
        // Parents before children (moby sorts mounts by the depth of their destination).
        mounts.AddRange(user.OrderBy(m => m.Destination.TrimEnd('/').Count(c => c == '/')));
        spec.Mounts = mounts;
        spec.Linux.MaskedPaths = [.. DefaultMaskedPaths];
        spec.Linux.ReadonlyPaths = [.. DefaultReadonlyPaths];
    }

    private static void CheckDestination(string dest)
    {
        if (!dest.StartsWith('/')) throw new InvalidArgumentException($"invalid mount config: mount path must be absolute: {dest}");
        if (Path.TrimEndingDirectorySeparator(dest) == "/") throw new InvalidArgumentException("invalid specification: destination can't be '/'");
    }

    private static void BuildResources(OciSpec spec, ContainerRuntimeConfig config)
    {
        var r = ResourceLimits(config);
        // Docker's default device rules (moby oci/defaults.go): deny all, allow the basic nodes, deny fuse.
        r.Devices =
        [
            new() { Allow = false, Access = "rwm" },
            new() { Allow = true, Type = "c", Major = 1, Minor = 5, Access = "rwm" },
            new() { Allow = true, Type = "c", Major = 1, Minor = 3, Access = "rwm" },
            new() { Allow = true, Type = "c", Major = 1, Minor = 9, Access = "rwm" },
            new() { Allow = true, Type = "c", Major = 1, Minor = 8, Access = "rwm" },
            new() { Allow = true, Type = "c", Major = 5, Minor = 0, Access = "rwm" },
            new() { Allow = true, Type = "c", Major = 5, Minor = 1, Access = "rwm" },
            new() { Allow = false, Type = "c", Major = 10, Minor = 229, Access = "rwm" },
        ];
        spec.Linux.Resources = r;
    }

    /// <summary>Memory, CPU and pids limits of <paramref name="config"/> (no device rules): the spec's, and what `docker update` applies live.</summary>
    public static OciResources ResourceLimits(ContainerRuntimeConfig config)
    {
        var r = new OciResources();
        if (config.Memory < 0 || config.NanoCpus < 0 || config.CpuShares < 0) throw new InvalidArgumentException("invalid negative resource limit");
        if (config.Memory > 0 && config.Memory < 6 * 1024 * 1024) throw new InvalidArgumentException("Minimum memory limit allowed is 6MB");
        if (config.Memory > 0 || config.MemoryReservation > 0)
        {
            r.Memory = new OciMemory { Limit = config.Memory > 0 ? config.Memory : null, Reservation = config.MemoryReservation > 0 ? config.MemoryReservation : null };
            if (config.Memory > 0)
            {
                if (config.MemorySwap > 0 && config.MemorySwap < config.Memory)
                    throw new InvalidArgumentException("Minimum memoryswap limit should be larger than memory limit, see usage");
                r.Memory.Swap = config.MemorySwap switch { 0 => config.Memory * 2, < 0 => -1, _ => config.MemorySwap };
            }
        }
        else if (config.MemorySwap > 0) throw new InvalidArgumentException("You should always set the Memory limit when using Memoryswap limit, see usage");

        if (config.NanoCpus > 0 && (config.CpuPeriod > 0 || config.CpuQuota > 0))
            throw new InvalidArgumentException("Conflicting options: Nano CPUs and CPU Period cannot both be set");
        var cpu = new OciCpu();
        bool anyCpu = false;
        if (config.NanoCpus > 0)
        {
            if (config.NanoCpus < 1_000_000 || config.NanoCpus > Environment.ProcessorCount * 1_000_000_000L)
                throw new InvalidArgumentException($"Range of CPUs is from 0.01 to {Environment.ProcessorCount}.00, as there are only {Environment.ProcessorCount} CPUs available");
            cpu.Period = 100_000; cpu.Quota = config.NanoCpus * 100_000 / 1_000_000_000; anyCpu = true;
        }
        if (config.CpuPeriod > 0) { cpu.Period = (ulong)config.CpuPeriod; anyCpu = true; }
        if (config.CpuQuota > 0) { cpu.Quota = config.CpuQuota; anyCpu = true; }
        if (config.CpuShares > 0) { cpu.Shares = (ulong)Math.Clamp(config.CpuShares, 2, 262144); anyCpu = true; }
        if (!string.IsNullOrEmpty(config.CpusetCpus)) { cpu.Cpus = config.CpusetCpus; anyCpu = true; }
        if (!string.IsNullOrEmpty(config.CpusetMems)) { cpu.Mems = config.CpusetMems; anyCpu = true; }
        if (anyCpu) r.Cpu = cpu;
        if (config.PidsLimit is { } pids && pids != 0) r.Pids = new OciPids { Limit = pids < 0 ? -1 : pids };
        return r;
    }

    private static void BuildDevices(OciSpec spec, ContainerRuntimeConfig config)
    {
        var devices = new List<OciDevice>();
        var rules = spec.Linux.Resources!.Devices!;
        if (config.Privileged)
        {
            devices.AddRange(HostDevices());
            rules.Clear();
            rules.Add(new OciDeviceCgroup { Allow = true, Access = "rwm" });
        }
        else
        {
            foreach (var d in config.Devices)
            {
                if (d.Permissions.Length == 0 || d.Permissions.Any(c => c is not ('r' or 'w' or 'm')))
                    throw new InvalidArgumentException($"invalid device mode: {d.Permissions}");
                string inContainer = string.IsNullOrEmpty(d.PathInContainer) ? d.PathOnHost : d.PathInContainer;
                DeviceNode? node;
                try { node = DeviceNodes.stat(d.PathOnHost); }
                catch (System.ComponentModel.Win32Exception e) { throw new InvalidArgumentException($"error gathering device information while adding custom device \"{d.PathOnHost}\": {e.Message}", e); }
                if (node is not { } n) throw new InvalidArgumentException($"error gathering device information while adding custom device \"{d.PathOnHost}\": not a device node");
                devices.Add(new OciDevice { Type = n.Type.ToString(), Path = inContainer, Major = n.Major, Minor = n.Minor, FileMode = n.Mode | (n.Type == 'c' ? 0x2000u : 0x6000u), Uid = n.Uid, Gid = n.Gid });
                rules.Add(new OciDeviceCgroup { Allow = true, Type = n.Type.ToString(), Major = n.Major, Minor = n.Minor, Access = d.Permissions });
            }
            foreach (var rule in config.DeviceCgroupRules) rules.Add(ParseDeviceRule(rule));
        }
        spec.Linux.Devices = devices.Count > 0 ? devices : null;
    }

    /// <summary>"c 1:3 rwm", "b *:* m", "a" (moby AppendDevicePermissionsFromCgroupRules).</summary>
    internal static OciDeviceCgroup ParseDeviceRule(string rule)
    {
        var parts = rule.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length == 1 && parts[0] == "a") return new OciDeviceCgroup { Allow = true, Type = "a", Access = "rwm" };
        if (parts.Length != 3 || parts[0] is not ("a" or "b" or "c") || parts[2].Any(c => c is not ('r' or 'w' or 'm')) || parts[2].Length == 0)
            throw new InvalidArgumentException($"invalid device cgroup format '{rule}'");
        var mm = parts[1].Split(':');
        if (mm.Length != 2) throw new InvalidArgumentException($"invalid device cgroup format '{rule}'");
        long? Num(string s) => s == "*" ? null : long.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out long v) ? v : throw new InvalidArgumentException($"invalid device cgroup format '{rule}'");
        return new OciDeviceCgroup { Allow = true, Type = parts[0], Major = Num(mm[0]), Minor = Num(mm[1]), Access = parts[2] };
    }

    private static IEnumerable<OciDevice> HostDevices()
    {
        var result = new List<OciDevice>();
        void Walk(string dir, int depth)
        {
            if (depth > 8) return;
            IEnumerable<string> entries;
            try { entries = Directory.EnumerateFileSystemEntries(dir).ToList(); } catch (IOException) { return; } catch (UnauthorizedAccessException) { return; }
            foreach (var e in entries)
            {
                string name = Path.GetFileName(e);
                var info = new FileInfo(e);
                if (info.LinkTarget is not null) continue;
                if (Directory.Exists(e))
                {
                    if (name is "pts" or "shm" or "fd" or "mqueue" or ".lxc" or ".lxd-mounts" or ".udev") continue;
                    Walk(e, depth + 1);
                    continue;
                }
                if (name == "console") continue;
                DeviceNode? node;
                try { node = DeviceNodes.stat(e); } catch (System.ComponentModel.Win32Exception) { continue; }
                if (node is not { } n) continue;
                result.Add(new OciDevice { Type = n.Type.ToString(), Path = e, Major = n.Major, Minor = n.Minor, FileMode = n.Mode | (n.Type == 'c' ? 0x2000u : 0x6000u), Uid = n.Uid, Gid = n.Gid });
            }
        }
        Walk("/dev", 0);
        return result;
    }

    private static void BuildSysctls(OciSpec spec, ContainerRuntimeConfig config)
    {
        if (config.Sysctls.Count == 0) return;
        bool hostNet = config.NetworkMode == NamespaceMode.Host && config.NetworkNamespacePath is null;
        foreach (var key in config.Sysctls.Keys)
        {
            bool ipc = SafeSysctls.Contains(key) || key.StartsWith("fs.mqueue.", StringComparison.Ordinal);
            bool net = key.StartsWith("net.", StringComparison.Ordinal);
            if (!ipc && !net) throw new InvalidArgumentException($"sysctl '{key}' is not whitelisted");
            if (net && hostNet) throw new InvalidArgumentException($"sysctl '{key}' not allowed in host network namespace");
            if (ipc && config.IpcMode == NamespaceMode.Host) throw new InvalidArgumentException($"sysctl '{key}' not allowed with host IPC namespace");
        }
        spec.Linux.Sysctl = new Dictionary<string, string>(config.Sysctls);
    }

    private static void BuildSeccomp(OciSpec spec, ContainerRuntimeConfig config, RuntimeOptions options)
    {
        if (config.Privileged || config.Seccomp == SeccompMode.Unconfined) return;
        SeccompProfile profile;
        if (config.Seccomp == SeccompMode.Custom)
        {
            if (string.IsNullOrEmpty(config.SeccompProfileJson)) throw new InvalidArgumentException("Decoding seccomp profile failed: profile is empty");
            profile = SeccompProfileConverter.Parse(config.SeccompProfileJson);
        }
        else if (options.SeccompProfile is "" or "builtin" or "default") profile = SeccompProfileConverter.DefaultProfile;
        else if (options.SeccompProfile == "unconfined") return;
        else profile = SeccompProfileConverter.Parse(File.ReadAllText(options.SeccompProfile));
        spec.Linux.Seccomp = SeccompProfileConverter.Convert(profile, spec.Process.Capabilities?.Bounding ?? []);
    }

    /// <summary>Writes hosts, hostname and resolv.conf for the container (atomically, so a restart never sees half a file).</summary>
    public static void WriteEtcFiles(ContainerRuntimeConfig config, string containerDir, string? hostname)
    {
        Directory.CreateDirectory(containerDir);
        bool hostNet = config.NetworkMode == NamespaceMode.Host && config.NetworkNamespacePath is null;
        string name = hostname ?? Environment.MachineName;
        if (!string.IsNullOrEmpty(config.Domainname) && !hostNet) name += "." + config.Domainname;

        var hosts = new StringBuilder();
        if (hostNet && File.Exists("/etc/hosts")) hosts.Append(ReadBounded("/etc/hosts"));
        else
        {
            hosts.Append("127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\nfe00::\tip6-localnet\nff00::\tip6-mcastprefix\nff02::1\tip6-allnodes\nff02::2\tip6-allrouters\n");
        }
        foreach (var extra in config.ExtraHosts)
        {
            int sep = extra.IndexOf(':');
            if (sep <= 0) throw new InvalidArgumentException($"invalid IP address in add-host: \"{extra}\"");
            hosts.Append(extra[(sep + 1)..]).Append('\t').Append(extra[..sep]).Append('\n');
        }
        if (!hostNet) hosts.Append("127.0.0.1\t").Append(hostname ?? name).Append('\n');
        AtomicFile.WriteIfChanged(Path.Combine(containerDir, "hosts"), hosts.ToString());
        AtomicFile.WriteIfChanged(Path.Combine(containerDir, "hostname"), (hostname ?? Environment.MachineName) + "\n");

        var resolv = new StringBuilder();
        if (config.Dns.Count > 0 || config.DnsSearch.Count > 0 || config.DnsOptions.Count > 0)
        {
            foreach (var d in config.Dns) resolv.Append("nameserver ").Append(d).Append('\n');
            if (config.DnsSearch.Count > 0) resolv.Append("search ").AppendJoin(' ', config.DnsSearch).Append('\n');
            if (config.DnsOptions.Count > 0) resolv.Append("options ").AppendJoin(' ', config.DnsOptions).Append('\n');
        }
        else if (File.Exists("/etc/resolv.conf"))
        {
            foreach (var line in ReadBounded("/etc/resolv.conf").Split('\n'))
            {
                // Like libnetwork: a loopback resolver of the host is unreachable from another network namespace.
                if (!hostNet && line.StartsWith("nameserver", StringComparison.Ordinal) &&
                    line.Split(' ', '\t', StringSplitOptions.RemoveEmptyEntries) is [_, var ip, ..] && (ip.StartsWith("127.", StringComparison.Ordinal) || ip == "::1"))
                    continue;
                if (line.Length > 0) resolv.Append(line).Append('\n');
            }
        }
        AtomicFile.WriteIfChanged(Path.Combine(containerDir, "resolv.conf"), resolv.ToString());
    }

    private static string ReadBounded(string path)
    {
        var info = new FileInfo(path);
        return info.Length > 1 << 20 ? "" : File.ReadAllText(path);
    }
}
