using System.Globalization;
using Moat.Engine.Errors;

namespace Moat.Engine.Runtime;

/// <summary>Linux capability names and Docker's rules for --cap-add/--cap-drop (moby oci/caps).</summary>
public static class Capabilities
{
    /// <summary>Every capability by number (index = bit), Linux 5.9+.</summary>
    public static readonly IReadOnlyList<string> All =
    [
        "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL", "CAP_SETGID",
        "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST", "CAP_NET_ADMIN",
        "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER", "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT",
        "CAP_SYS_PTRACE", "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE", "CAP_SYS_RESOURCE",
        "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE", "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL",
        "CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND",
        "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE",
    ];

    /// <summary>Docker's default set (moby oci/caps/defaults.go), in Docker's order.</summary>
    public static readonly IReadOnlyList<string> Default =
    [
        "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW", "CAP_SETGID",
        "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE",
    ];

    private static readonly Lazy<IReadOnlyList<string>> Held = new(ReadBoundingSet);

    /// <summary>The capabilities this process may hand to a container: its bounding set (CapBnd of /proc/self/status).</summary>
    public static IReadOnlyList<string> HeldByDaemon => Held.Value;

    /// <summary>Docker's TweakCapabilities: privileged = everything; ALL in add/drop; else defaults - drop + add.</summary>
    public static List<string> Resolve(IEnumerable<string> basics, IReadOnlyList<string> adds, IReadOnlyList<string> drops, bool privileged, IReadOnlyList<string> available)
    {
        if (privileged) return [.. available];
        if (adds.Count == 0 && drops.Count == 0) return [.. basics];
        var add = Normalize(adds);
        var drop = Normalize(drops);
        List<string> caps;
        if (add.Contains("ALL")) caps = [.. available.Where(c => !drop.Contains(c))];
        else if (drop.Contains("ALL")) caps = [.. add];
        else
        {
            caps = [.. basics.Where(c => !drop.Contains(c))];
            caps.AddRange(add.Where(c => !caps.Contains(c)));
        }
        return caps;
    }

    /// <summary>Upper-cases and adds the CAP_ prefix; "ALL" stays "ALL"; unknown names are Docker's 400.</summary>
    public static List<string> Normalize(IEnumerable<string> names)
    {
        var list = new List<string>();
        foreach (var raw in names)
        {
            string c = raw.Trim().ToUpperInvariant();
            if (c == "ALL") { list.Add(c); continue; }
            if (!c.StartsWith("CAP_", StringComparison.Ordinal)) c = "CAP_" + c;
            if (!All.Contains(c)) throw new InvalidArgumentException($"unknown capability: \"{c}\"");
            if (!list.Contains(c)) list.Add(c);
        }
        return list;
    }

    /// <summary>The 64-bit mask of a set, as /proc/&lt;pid&gt;/status shows it.</summary>
    public static ulong ToMask(IEnumerable<string> caps)
    {
        ulong mask = 0;
        foreach (var c in caps)
        {
            int bit = All.IndexOf(c);
            if (bit >= 0) mask |= 1UL << bit;
        }
        return mask;
    }

    public static List<string> FromMask(ulong mask) => [.. All.Where((_, bit) => (mask & (1UL << bit)) != 0)];

    private static IReadOnlyList<string> ReadBoundingSet()
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith("CapBnd:", StringComparison.Ordinal))
                return FromMask(ulong.Parse(line.AsSpan(7).Trim(), NumberStyles.HexNumber, CultureInfo.InvariantCulture));
        }
        return All;
    }

    private static int IndexOf(this IReadOnlyList<string> list, string value)
    {
        for (int i = 0; i < list.Count; i++) if (list[i] == value) return i;
        return -1;
    }
}
