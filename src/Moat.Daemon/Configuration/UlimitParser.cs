using System.Globalization;

namespace Moat.Daemon.Configuration;

/// <summary>go-units <c>ParseUlimit</c> (<c>name=soft[:hard]</c>) with its error texts.</summary>
internal static class UlimitParser
{
    /// <summary>The rlimit names Docker accepts (go-units <c>ulimitNameMapping</c>).</summary>
    public static readonly IReadOnlySet<string> Names = new HashSet<string>(StringComparer.Ordinal)
    {
        "core", "cpu", "data", "fsize", "locks", "memlock", "msgqueue", "nice", "nofile", "nproc", "rss", "rtprio", "rttime", "sigpending", "stack",
    };

    public static UlimitSettings Parse(string value)
    {
        int eq = value.IndexOf('=');
        if (eq < 0) throw new ConfigurationException($"invalid ulimit argument: {value}");
        string name = value[..eq], limits = value[(eq + 1)..];
        if (!Names.Contains(name)) throw new ConfigurationException($"invalid ulimit type: {name}");

        string[] parts = limits.Split(':');
        long soft, hard;
        switch (parts.Length)
        {
            case 1:
                soft = ParseInt(parts[0]);
                hard = soft;
                break;
            case 2:
                hard = ParseInt(parts[1]);
                soft = ParseInt(parts[0]);
                break;
            default:
                throw new ConfigurationException($"too many limit value arguments - {limits}, can only have up to two, `soft[:hard]`");
        }
        Check(soft, hard);
        return new UlimitSettings(name, soft, hard);
    }

    public static void Check(long soft, long hard)
    {
        if (hard != -1 && soft > hard)
            throw new ConfigurationException($"ulimit soft limit must be less than or equal to hard limit: {soft} > {hard}");
    }

    private static long ParseInt(string s)
    {
        if (!long.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long v))
            throw new ConfigurationException($"strconv.ParseInt: parsing {GoFormat.Quote(s)}: invalid syntax");
        return v;
    }

    /// <summary>Go's <c>Ulimit.String()</c>.</summary>
    public static string Format(UlimitSettings u) => $"{u.Name}={u.Soft}:{u.Hard}";
}
