using System.Globalization;
using System.Text;
using Moat.Engine.Runtime.Oci;

namespace Moat.Engine.Runtime;

/// <summary>
/// The configuration moat-shim's native exec applies (src/Moat.Shim/native-exec.c): what `runc exec` would do for the
/// container's process, computed here from its config.json and the exec's process so the C side only applies it.
/// Records "&lt;key&gt; &lt;value&gt;" separated by NUL bytes (a value may hold anything but NUL, as argv and env can).
/// Used for namespace runtimes only (runc, crun): a sandboxing runtime (gVisor, Kata) must run its own exec.
/// </summary>
public static class NativeExec
{
    /// <summary>A cgroup directory to join: v1 (the joiner moves itself there) or v2 (the process is created there).</summary>
    public readonly record struct CgroupDir(bool V2, string Path);

    /// <summary>Whether exec may join the container's namespaces directly instead of asking <paramref name="runtime"/>.</summary>
    public static bool Supports(IOciRuntime runtime) => runtime is RuncRuntime or CrunRuntime;

    /// <summary>
    /// Whether everything <paramref name="process"/> asks for is something the native exec applies: an AppArmor
    /// profile is not, so such a process goes to the runtime rather than run less confined.
    /// </summary>
    public static bool Covers(OciProcess process) => string.IsNullOrEmpty(process.ApparmorProfile);

    /// <summary>
    /// Checks that <paramref name="dirs"/> (from the init pid) are the container's own cgroup: a pid that is no longer
    /// the container's init can never lead an exec into another process's namespaces.
    /// </summary>
    public static void CheckOwnCgroup(IReadOnlyList<CgroupDir> dirs, string cgroupsPath, string id)
    {
        string suffix = "/" + cgroupsPath.Trim('/');
        // Any: a hierarchy the runtime does not manage (rdma, misc…) leaves init where it was; the process follows it there too.
        if (!dirs.Any(d => d.Path.EndsWith(suffix, StringComparison.Ordinal)))
            throw new RuntimeStateException($"Container {id} is not running");
    }

    // libseccomp's action values (the kernel's SECCOMP_RET_*), and its comparison operators.
    private const uint ActKillThread = 0x00000000, ActKillProcess = 0x80000000, ActTrap = 0x00030000, ActErrno = 0x00050000,
        ActTrace = 0x7ff00000, ActLog = 0x7ffc0000, ActAllow = 0x7fff0000;
    private const uint EPERM = 1;

    private static readonly string[] RlimitNames =
    [
        "RLIMIT_CPU", "RLIMIT_FSIZE", "RLIMIT_DATA", "RLIMIT_STACK", "RLIMIT_CORE", "RLIMIT_RSS", "RLIMIT_NPROC",
        "RLIMIT_NOFILE", "RLIMIT_MEMLOCK", "RLIMIT_AS", "RLIMIT_LOCKS", "RLIMIT_SIGPENDING", "RLIMIT_MSGQUEUE",
        "RLIMIT_NICE", "RLIMIT_RTPRIO", "RLIMIT_RTTIME",
    ];

    /// <summary>The configuration for running <paramref name="process"/> next to init <paramref name="initPid"/> of a container made from <paramref name="spec"/>.</summary>
    /// <param name="seccompCacheDir">
    /// Where the monitor keeps compiled filters, one file per distinct profile named by the SHA-256 of its rules
    /// (root-only: a program loaded from there is trusted like config.json).
    /// </param>
    public static byte[] Build(OciProcess process, OciSpec spec, int initPid, IReadOnlyList<CgroupDir> cgroups, string? seccompCacheDir = null)
    {
        var b = new Builder();
        b.Add("pid", initPid.ToString(CultureInfo.InvariantCulture));
        foreach (var ns in spec.Linux?.Namespaces ?? [])
            b.Add("ns", ns.Type);
        foreach (var cgroup in cgroups) b.Add(cgroup.V2 ? "cgroup-v2" : "cgroup-v1", cgroup.Path);
        foreach (var arg in process.Args) b.Add("arg", arg);
        foreach (var env in process.Env ?? []) b.Add("env", env);
        b.Add("cwd", string.IsNullOrEmpty(process.Cwd) ? "/" : process.Cwd);
        b.Add("uid", process.User.Uid.ToString(CultureInfo.InvariantCulture));
        b.Add("gid", process.User.Gid.ToString(CultureInfo.InvariantCulture));
        foreach (var g in process.User.AdditionalGids ?? []) b.Add("group", g.ToString(CultureInfo.InvariantCulture));
        if (process.User.Umask is { } umask) b.Add("umask", Convert.ToString(umask, 8));
        var caps = process.Capabilities;
        b.Add("cap-bounding", Mask(caps?.Bounding));
        b.Add("cap-effective", Mask(caps?.Effective));
        b.Add("cap-permitted", Mask(caps?.Permitted));
        b.Add("cap-inheritable", Mask(caps?.Inheritable));
        b.Add("cap-ambient", Mask(caps?.Ambient));
        b.Add("no-new-privs", process.NoNewPrivileges == true ? "1" : "0");
        foreach (var r in process.Rlimits ?? [])
        {
            int resource = Array.IndexOf(RlimitNames, r.Type);
            if (resource < 0) throw new InvalidOperationException($"unknown rlimit {r.Type}");
            b.Add("rlimit", string.Create(CultureInfo.InvariantCulture, $"{resource} {r.Soft} {r.Hard}"));
        }
        if (process.OomScoreAdj is { } oom) b.Add("oom-score-adj", oom.ToString(CultureInfo.InvariantCulture));
        if (process.Terminal == true && process.ConsoleSize is { Height: > 0, Width: > 0 } size)
            b.Add("console", string.Create(CultureInfo.InvariantCulture, $"{Math.Min(size.Height, ushort.MaxValue)} {Math.Min(size.Width, ushort.MaxValue)}"));
        if (spec.Linux?.Seccomp is { } seccomp)
        {
            var filter = new Builder();
            AddSeccomp(filter, seccomp);
            byte[] rules = filter.ToArray();
            if (seccompCacheDir is not null)
                b.Add("seccomp-cache", Path.Combine(seccompCacheDir, Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(rules)) + ".bpf"));
            b.Append(rules);
        }
        return b.ToArray();
    }

    private static void AddSeccomp(Builder b, OciSeccomp seccomp)
    {
        uint defaultAction = Action(seccomp.DefaultAction, seccomp.DefaultErrnoRet);
        b.Add("seccomp-default", defaultAction.ToString(CultureInfo.InvariantCulture));
        foreach (var arch in seccomp.Architectures ?? [])
            b.Add("seccomp-arch", ArchName(arch));
        foreach (var flag in seccomp.Flags ?? [])
            b.Add("seccomp-flag", flag);
        foreach (var call in seccomp.Syscalls ?? [])
        {
            uint action = Action(call.Action, call.ErrnoRet);
            if (action == defaultAction) continue;
            // runc's rule: conditions on distinct arguments are ANDed in one rule; several on the same argument
            // (personality's list of allowed values) are ORed, one rule each.
            var args = call.Args ?? [];
            bool sameIndexTwice = args.GroupBy(a => a.Index).Any(g => g.Count() > 1);
            var groups = args.Count == 0 ? [[]] : sameIndexTwice ? args.Select(a => (List<OciSeccompArg>)[a]).ToList() : [args];
            foreach (var name in call.Names)
                foreach (var conditions in groups)
                {
                    var text = new StringBuilder();
                    text.Append(CultureInfo.InvariantCulture, $"{action} {name}");
                    foreach (var a in conditions)
                        text.Append(CultureInfo.InvariantCulture, $" {a.Index} {Operator(a.Op)} {a.Value} {a.ValueTwo ?? 0}");
                    b.Add("seccomp-rule", text.ToString());
                }
        }
    }

    internal static uint Action(string action, uint? errnoRet) => action switch
    {
        "SCMP_ACT_ALLOW" => ActAllow,
        "SCMP_ACT_ERRNO" => ActErrno | ((errnoRet ?? EPERM) & 0xffff),
        "SCMP_ACT_KILL" or "SCMP_ACT_KILL_THREAD" => ActKillThread,
        "SCMP_ACT_KILL_PROCESS" => ActKillProcess,
        "SCMP_ACT_TRAP" => ActTrap,
        "SCMP_ACT_TRACE" => ActTrace | ((errnoRet ?? EPERM) & 0xffff),
        "SCMP_ACT_LOG" => ActLog,
        _ => throw new InvalidOperationException($"seccomp action {action} is not supported"),
    };

    internal static int Operator(string op) => op switch
    {
        "SCMP_CMP_NE" => 1,
        "SCMP_CMP_LT" => 2,
        "SCMP_CMP_LE" => 3,
        "SCMP_CMP_EQ" => 4,
        "SCMP_CMP_GE" => 5,
        "SCMP_CMP_GT" => 6,
        "SCMP_CMP_MASKED_EQ" => 7,
        _ => throw new InvalidOperationException($"seccomp operator {op} is not supported"),
    };

    /// <summary>"SCMP_ARCH_X86_64" → libseccomp's "x86_64".</summary>
    internal static string ArchName(string arch) =>
        (arch.StartsWith("SCMP_ARCH_", StringComparison.Ordinal) ? arch["SCMP_ARCH_".Length..] : arch).ToLowerInvariant();

    internal static string Mask(IReadOnlyList<string>? names)
    {
        ulong mask = 0;
        foreach (var name in names ?? [])
        {
            int bit = -1;
            for (int i = 0; i < Capabilities.All.Count && bit < 0; i++)
                if (Capabilities.All[i] == name) bit = i;
            if (bit < 0) throw new InvalidOperationException($"unknown capability {name}");
            mask |= 1UL << bit;
        }
        return mask.ToString("x", CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// The cgroup of every hierarchy <paramref name="pid"/> is in (what runc exec joins), from /proc/PID/cgroup and
    /// where each hierarchy is mounted.
    /// </summary>
    public static List<CgroupDir> CgroupDirs(int pid) =>
        CgroupDirs(File.ReadAllText($"/proc/{pid}/cgroup"), File.ReadAllText(Storage.MountInfo.SelfPath));

    internal static List<CgroupDir> CgroupDirs(string procCgroup, string mountinfo)
    {
        // (mount point, mount root) per hierarchy: the cgroup2 one, and the v1 ones by their superoptions.
        var unified = default((string Point, string Root)?);
        var v1 = new List<(HashSet<string> Options, string Point, string Root)>();
        foreach (var m in Storage.MountInfo.Parse(mountinfo))
        {
            if (m.FsType == "cgroup2") unified ??= (m.MountPoint, m.Root);
            else if (m.FsType == "cgroup") v1.Add((new HashSet<string>(m.SuperOptions.Split(','), StringComparer.Ordinal), m.MountPoint, m.Root));
        }
        var dirs = new List<CgroupDir>();
        foreach (var line in procCgroup.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = line.Split(':', 3);
            if (parts.Length != 3) continue;
            bool isV2 = parts[0] == "0" && parts[1].Length == 0;
            (string Point, string Root)? mount = null;
            if (isV2) mount = unified;
            else
            {
                var controllers = parts[1].Split(',');
                foreach (var m in v1)
                    if (controllers.All(m.Options.Contains)) { mount = (m.Point, m.Root); break; }
            }
            if (mount is not { } found) continue;
            string path = parts[2];
            if (found.Root != "/" && path.StartsWith(found.Root, StringComparison.Ordinal)) path = path[found.Root.Length..];
            var dir = new CgroupDir(isV2, Path.Join(found.Point, path.TrimStart('/')).TrimEnd('/'));
            if (!dirs.Contains(dir)) dirs.Add(dir);
        }
        return dirs;
    }

    private sealed class Builder
    {
        private readonly MemoryStream _out = new();

        public void Add(string key, string value)
        {
            if (value.Contains('\0')) throw new Errors.InvalidArgumentException($"{key} must not contain a NUL byte");
            _out.Write(Encoding.UTF8.GetBytes(key));
            _out.WriteByte((byte)' ');
            _out.Write(Encoding.UTF8.GetBytes(value));
            _out.WriteByte(0);
        }

        public void Append(byte[] records) => _out.Write(records);

        public byte[] ToArray() => _out.ToArray();
    }
}
