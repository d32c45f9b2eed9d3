using System.Globalization;

namespace Moat.Engine.Runtime;

/// <summary>
/// Reads a container's cgroup: v1 controllers (memory, cpuacct, cpu, pids, blkio) where they are mounted, and the
/// v2 files on a unified host. Paths come from /proc/self/mountinfo, so a hybrid host (v1 + a v2 mount) works.
/// </summary>
public sealed class CgroupReader
{
    private readonly Dictionary<string, string> _v1 = new(StringComparer.Ordinal);
    private readonly string? _unified;

    public CgroupReader() : this("/proc/self/mountinfo") { }

    internal CgroupReader(string mountinfo)
    {
        foreach (var m in Storage.MountInfo.Read(mountinfo))
        {
            if (m.FsType == "cgroup2") _unified ??= m.MountPoint;
            else if (m.FsType == "cgroup")
                foreach (var opt in m.SuperOptions.Split(','))
                    if (opt is "memory" or "cpuacct" or "cpu" or "pids" or "blkio" or "freezer" or "cpuset" or "devices")
                        _v1.TryAdd(opt, m.MountPoint);
        }
    }

    /// <summary>True when no v1 memory controller is mounted and a v2 hierarchy is (pure cgroup v2).</summary>
    public bool IsUnified => !_v1.ContainsKey("memory") && _unified is not null;

    /// <summary>The directory of <paramref name="cgroupsPath"/> in a v1 controller, or the v2 dir for unified hosts.</summary>
    public string? Dir(string controller, string cgroupsPath)
    {
        string rel = cgroupsPath.TrimStart('/');
        if (_v1.TryGetValue(controller, out var mount)) return Path.Combine(mount, rel);
        return IsUnified ? Path.Combine(_unified!, rel) : null;
    }

    /// <summary>The pids of every process in the cgroup.</summary>
    public IReadOnlyList<int> Pids(string cgroupsPath)
    {
        string? dir = Dir("pids", cgroupsPath) ?? Dir("memory", cgroupsPath);
        if (dir is null) return [];
        var list = new List<int>();
        foreach (var l in ReadLines(Path.Combine(dir, "cgroup.procs")))
            if (int.TryParse(l, NumberStyles.None, CultureInfo.InvariantCulture, out int pid)) list.Add(pid);
        return list;
    }

    /// <summary>How often the OOM killer struck inside the cgroup (v1 memory.oom_control oom_kill, v2 memory.events).</summary>
    public ulong OomKills(string cgroupsPath)
    {
        string? dir = Dir("memory", cgroupsPath);
        if (dir is null) return 0;
        var kv = ReadKeyValues(Path.Combine(dir, IsUnified ? "memory.events" : "memory.oom_control"));
        return kv.GetValueOrDefault("oom_kill");
    }

    public ContainerStats Stats(string cgroupsPath, DateTimeOffset now) => IsUnified ? StatsV2(cgroupsPath, now) : StatsV1(cgroupsPath, now);

    private ContainerStats StatsV1(string cgroupsPath, DateTimeOffset now)
    {
        string? mem = Dir("memory", cgroupsPath), acct = Dir("cpuacct", cgroupsPath), cpu = Dir("cpu", cgroupsPath);
        string? pids = Dir("pids", cgroupsPath), blkio = Dir("blkio", cgroupsPath);
        var cpuStat = cpu is null ? new Dictionary<string, ulong>() : ReadKeyValues(Path.Combine(cpu, "cpu.stat"));
        var acctStat = acct is null ? new Dictionary<string, ulong>() : ReadKeyValues(Path.Combine(acct, "cpuacct.stat"));
        const ulong nsPerTick = 10_000_000; // USER_HZ = 100
        string pidsMax = pids is null ? "max" : ReadText(Path.Combine(pids, "pids.max"));
        return new ContainerStats
        {
            Read = now,
            CpuTotalNs = acct is null ? 0 : ReadULong(Path.Combine(acct, "cpuacct.usage")),
            PerCpuNs = acct is null ? [] : ReadText(Path.Combine(acct, "cpuacct.usage_percpu")).Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(s => ulong.Parse(s, CultureInfo.InvariantCulture)).ToList(),
            CpuUserNs = acctStat.GetValueOrDefault("user") * nsPerTick,
            CpuKernelNs = acctStat.GetValueOrDefault("system") * nsPerTick,
            SystemCpuNs = HostCpuNs(),
            OnlineCpus = (uint)Environment.ProcessorCount,
            ThrottlingPeriods = cpuStat.GetValueOrDefault("nr_periods"),
            ThrottledPeriods = cpuStat.GetValueOrDefault("nr_throttled"),
            ThrottledTimeNs = cpuStat.GetValueOrDefault("throttled_time"),
            MemoryUsage = mem is null ? 0 : ReadULong(Path.Combine(mem, "memory.usage_in_bytes")),
            MemoryMaxUsage = mem is null ? 0 : ReadULong(Path.Combine(mem, "memory.max_usage_in_bytes")),
            MemoryLimit = mem is null ? 0 : ReadULong(Path.Combine(mem, "memory.limit_in_bytes")),
            MemoryFailcnt = mem is null ? 0 : ReadULong(Path.Combine(mem, "memory.failcnt")),
            MemoryStat = mem is null ? new Dictionary<string, ulong>() : ReadKeyValues(Path.Combine(mem, "memory.stat")),
            PidsCurrent = pids is null ? 0 : ReadULong(Path.Combine(pids, "pids.current")),
            PidsLimit = pidsMax is "max" or "" ? null : ulong.Parse(pidsMax, CultureInfo.InvariantCulture),
            IoServiceBytes = blkio is null ? [] : ReadBlkio(blkio, "io_service_bytes_recursive"),
            IoServiced = blkio is null ? [] : ReadBlkio(blkio, "io_serviced_recursive"),
        };
    }

    private ContainerStats StatsV2(string cgroupsPath, DateTimeOffset now)
    {
        string dir = Dir("memory", cgroupsPath)!;
        var cpuStat = ReadKeyValues(Path.Combine(dir, "cpu.stat"));
        string memMax = ReadText(Path.Combine(dir, "memory.max"));
        string pidsMax = ReadText(Path.Combine(dir, "pids.max"));
        return new ContainerStats
        {
            Read = now,
            CpuTotalNs = cpuStat.GetValueOrDefault("usage_usec") * 1000,
            CpuUserNs = cpuStat.GetValueOrDefault("user_usec") * 1000,
            CpuKernelNs = cpuStat.GetValueOrDefault("system_usec") * 1000,
            SystemCpuNs = HostCpuNs(),
            OnlineCpus = (uint)Environment.ProcessorCount,
            ThrottlingPeriods = cpuStat.GetValueOrDefault("nr_periods"),
            ThrottledPeriods = cpuStat.GetValueOrDefault("nr_throttled"),
            ThrottledTimeNs = cpuStat.GetValueOrDefault("throttled_usec") * 1000,
            MemoryUsage = ReadULong(Path.Combine(dir, "memory.current")),
            MemoryMaxUsage = ReadULong(Path.Combine(dir, "memory.peak")),
            MemoryLimit = memMax is "max" or "" ? ulong.MaxValue : ulong.Parse(memMax, CultureInfo.InvariantCulture),
            MemoryStat = ReadKeyValues(Path.Combine(dir, "memory.stat")),
            PidsCurrent = ReadULong(Path.Combine(dir, "pids.current")),
            PidsLimit = pidsMax is "max" or "" ? null : ulong.Parse(pidsMax, CultureInfo.InvariantCulture),
            IoServiceBytes = ReadIoStat(Path.Combine(dir, "io.stat"), bytes: true),
            IoServiced = ReadIoStat(Path.Combine(dir, "io.stat"), bytes: false),
        };
    }

    /// <summary>
    /// v1 blkio counters as runc reads them: the I/O scheduler's (bfq, cfq) when it keeps any, else the throttle
    /// layer's, which sees every request. Ops lower-case, as dockerd reports them.
    /// </summary>
    private static List<BlkioEntry> ReadBlkio(string dir, string file)
    {
        foreach (var prefix in new[] { "blkio.bfq.", "blkio.", "blkio.throttle." })
        {
            var list = ReadBlkio(Path.Combine(dir, prefix + file));
            if (list.Count > 0) return list;
        }
        return [];
    }

    /// <summary>v2 io.stat ("8:0 rbytes=… wbytes=… rios=… wios=…") as v1-style read/write entries.</summary>
    private static List<BlkioEntry> ReadIoStat(string path, bool bytes)
    {
        var list = new List<BlkioEntry>();
        foreach (var line in ReadLines(path))
        {
            var f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (f.Length < 2) continue;
            var mm = f[0].Split(':');
            if (mm.Length != 2 || !long.TryParse(mm[0], CultureInfo.InvariantCulture, out long major) || !long.TryParse(mm[1], CultureInfo.InvariantCulture, out long minor)) continue;
            foreach (var kv in f.Skip(1))
            {
                int eq = kv.IndexOf('=');
                if (eq < 0 || !ulong.TryParse(kv.AsSpan(eq + 1), CultureInfo.InvariantCulture, out ulong v)) continue;
                string? op = (kv[..eq], bytes) switch { ("rbytes", true) or ("rios", false) => "read", ("wbytes", true) or ("wios", false) => "write", _ => null };
                if (op is not null) list.Add(new BlkioEntry(major, minor, op, v));
            }
        }
        return list;
    }

    /// <summary>Sum of all CPU time of the host in ns (the first line of /proc/stat), as Docker's system_cpu_usage.</summary>
    internal static ulong HostCpuNs()
    {
        foreach (var line in ReadLines("/proc/stat"))
        {
            if (!line.StartsWith("cpu ", StringComparison.Ordinal)) continue;
            ulong ticks = 0;
            foreach (var f in line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Take(7))
                ticks += ulong.Parse(f, CultureInfo.InvariantCulture);
            return ticks * 10_000_000;
        }
        return 0;
    }

    private static List<BlkioEntry> ReadBlkio(string path)
    {
        var list = new List<BlkioEntry>();
        foreach (var line in ReadLines(path))
        {
            var f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (f.Length != 3) continue;
            var mm = f[0].Split(':');
            if (mm.Length == 2 && long.TryParse(mm[0], CultureInfo.InvariantCulture, out long major) && long.TryParse(mm[1], CultureInfo.InvariantCulture, out long minor)
                && ulong.TryParse(f[2], CultureInfo.InvariantCulture, out ulong v))
                list.Add(new BlkioEntry(major, minor, f[1].ToLowerInvariant(), v));
        }
        return list;
    }

    private static Dictionary<string, ulong> ReadKeyValues(string path)
    {
        var d = new Dictionary<string, ulong>(StringComparer.Ordinal);
        foreach (var line in ReadLines(path))
        {
            var f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (f.Length == 2 && ulong.TryParse(f[1], CultureInfo.InvariantCulture, out ulong v)) d[f[0]] = v;
        }
        return d;
    }

    private static ulong ReadULong(string path) =>
        ulong.TryParse(ReadText(path), NumberStyles.None, CultureInfo.InvariantCulture, out ulong v) ? v : 0;

    private static string ReadText(string path)
    {
        try { return File.ReadAllText(path).Trim(); }
        catch (IOException) { return ""; }
        catch (UnauthorizedAccessException) { return ""; }
    }

    private static IEnumerable<string> ReadLines(string path)
    {
        string text = ReadText(path);
        return text.Length == 0 ? [] : text.Split('\n');
    }
}
