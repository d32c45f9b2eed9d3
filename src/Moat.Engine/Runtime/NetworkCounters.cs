using System.Globalization;

namespace Moat.Engine.Runtime;

/// <summary>Traffic counters of one network interface (a line of /proc/net/dev), as docker stats reports them.</summary>
public sealed record NetworkCounters(
    string Interface, ulong RxBytes, ulong RxPackets, ulong RxErrors, ulong RxDropped,
    ulong TxBytes, ulong TxPackets, ulong TxErrors, ulong TxDropped)
{
    /// <summary>
    /// The interfaces of the network namespace of <paramref name="pid"/>, loopback excluded (dockerd reports the
    /// container's own interfaces); empty when the process shares the host's namespace (--network host) or is gone.
    /// </summary>
    public static IReadOnlyList<NetworkCounters> ReadForProcess(int pid)
    {
        if (pid <= 0) return [];
        try
        {
            // The links read "net:[<inode>]": the same text means the same namespace.
            string ns = new FileInfo($"/proc/{pid}/ns/net").LinkTarget ?? "";
            string own = new FileInfo("/proc/self/ns/net").LinkTarget ?? "";
            if (ns.Length == 0 || ns == own) return [];
            return Parse(File.ReadAllText($"/proc/{pid}/net/dev"));
        }
        catch (IOException) { return []; }
        catch (UnauthorizedAccessException) { return []; }
    }

    /// <summary>Parses /proc/net/dev: two header lines, then "iface: rx(8 fields) tx(8 fields)".</summary>
    internal static IReadOnlyList<NetworkCounters> Parse(string netDev)
    {
        var list = new List<NetworkCounters>();
        foreach (var line in netDev.Split('\n'))
        {
            int colon = line.IndexOf(':');
            if (colon < 0) continue;
            string name = line[..colon].Trim();
            if (name.Length == 0 || name == "lo") continue;
            var f = line[(colon + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (f.Length < 16) continue;
            var v = new ulong[16];
            bool ok = true;
            for (int i = 0; i < 16 && ok; i++) ok = ulong.TryParse(f[i], NumberStyles.None, CultureInfo.InvariantCulture, out v[i]);
            if (!ok) continue;
            list.Add(new NetworkCounters(name, v[0], v[1], v[2], v[3], v[8], v[9], v[10], v[11]));
        }
        return list;
    }
}
