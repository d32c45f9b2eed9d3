using System.Globalization;

namespace Moat.Engine.Runtime;

/// <summary>Reads /proc/&lt;pid&gt;/stat, status and cmdline (docker top without running ps).</summary>
public static class ProcessTable
{
    private const int MaxCmdlineBytes = 64 * 1024;

    /// <summary>The process, or null when it is gone.</summary>
    public static ContainerProcess? Read(int pid, string procRoot = "/proc")
    {
        try
        {
            string stat = File.ReadAllText($"{procRoot}/{pid}/stat");
            // "pid (comm) state ppid ..." — comm may contain spaces and parentheses: split at the last ')'.
            int open = stat.IndexOf('('), close = stat.LastIndexOf(')');
            if (open < 0 || close < open) return null;
            string comm = stat[(open + 1)..close];
            var f = stat[(close + 2)..].Split(' ');
            // f[0] = state (field 3), f[1] = ppid (4), f[4] = tty_nr (7), f[11] = utime (14), f[12] = stime (15),
            // f[19] = starttime (22), f[20] = vsize (23), f[21] = rss pages (24).
            long L(int i) => long.Parse(f[i], CultureInfo.InvariantCulture);
            uint uid = 0, gid = 0;
            foreach (var line in File.ReadLines($"{procRoot}/{pid}/status"))
            {
                if (line.StartsWith("Uid:", StringComparison.Ordinal)) uid = uint.Parse(line.Split('\t', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
                else if (line.StartsWith("Gid:", StringComparison.Ordinal)) gid = uint.Parse(line.Split('\t', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
            }
            byte[] raw = File.ReadAllBytes($"{procRoot}/{pid}/cmdline");
            if (raw.Length > MaxCmdlineBytes) raw = raw[..MaxCmdlineBytes];
            var args = System.Text.Encoding.UTF8.GetString(raw).Split('\0', StringSplitOptions.RemoveEmptyEntries);
            return new ContainerProcess(pid, (int)L(1), uid, gid, f[0][0], comm, args,
                L(19), L(11) + L(12), L(21) * Environment.SystemPageSize, L(20), L(4));
        }
        catch (IOException) { return null; }
        catch (UnauthorizedAccessException) { return null; }
    }
}
