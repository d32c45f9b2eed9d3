using System.Globalization;

namespace Moat.Engine.Runtime;

/// <summary>
/// The daemon's own hard rlimits (/proc/self/limits). Without CAP_SYS_RESOURCE nobody below us can raise a hard
/// limit, so a spec must never ask for more: the runtime would fail the container with EPERM.
/// </summary>
public static class HostLimits
{
    private static readonly Dictionary<string, string> Labels = new(StringComparer.Ordinal)
    {
        ["Max cpu time"] = "cpu", ["Max file size"] = "fsize", ["Max data size"] = "data", ["Max stack size"] = "stack",
        ["Max core file size"] = "core", ["Max resident set"] = "rss", ["Max processes"] = "nproc",
        ["Max open files"] = "nofile", ["Max locked memory"] = "memlock", ["Max address space"] = "as",
        ["Max file locks"] = "locks", ["Max pending signals"] = "sigpending", ["Max msgqueue size"] = "msgqueue",
        ["Max nice priority"] = "nice", ["Max realtime priority"] = "rtprio", ["Max realtime timeout"] = "rttime",
    };

    /// <summary>Docker's ulimit names (moby's go-units ulimitNameMapping).</summary>
    public static IReadOnlyCollection<string> Names => Labels.Values;

    private static readonly Lazy<IReadOnlyDictionary<string, ulong>> Hard = new(() => Read("/proc/self/limits"));

    /// <summary>Hard limit by Docker name; ulong.MaxValue = unlimited.</summary>
    public static IReadOnlyDictionary<string, ulong> HardLimits => Hard.Value;

    internal static IReadOnlyDictionary<string, ulong> Read(string path)
    {
        var result = new Dictionary<string, ulong>(StringComparer.Ordinal);
        foreach (var line in File.ReadLines(path).Skip(1))
        {
            if (line.Length < 47) continue;
            string label = line[..26].Trim();
            if (!Labels.TryGetValue(label, out var name)) continue;
            string hard = line[47..].Split(' ', StringSplitOptions.RemoveEmptyEntries)[0];
            result[name] = hard == "unlimited" ? ulong.MaxValue : ulong.Parse(hard, CultureInfo.InvariantCulture);
        }
        return result;
    }
}
