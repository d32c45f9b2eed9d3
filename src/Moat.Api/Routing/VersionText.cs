using Moat.Api.Versioning;

namespace Moat.Api.Routing;

/// <summary>
/// The version text of a "/v{version}/" prefix, compared as dockerd's versions.compare does: split on
/// dots, each part read with Atoi (anything unparsable counts as 0), missing parts are 0. So "1.050" is
/// 1.50, "1" is below 1.24, ".." is 0.0 and "1.50.1" lies between 1.50 and 1.51.
/// </summary>
public static class VersionText
{
    public static int Compare(string a, string b)
    {
        if (a == b) return 0;
        var x = a.Split('.');
        var y = b.Split('.');
        int n = Math.Max(x.Length, y.Length);
        for (int i = 0; i < n; i++)
        {
            long xi = i < x.Length ? Atoi(x[i]) : 0;
            long yi = i < y.Length ? Atoi(y[i]) : 0;
            if (xi != yi) return xi > yi ? 1 : -1;
        }
        return 0;
    }

    public static bool IsBelow(string version, ApiVersion other) => Compare(version, other.ToString()) < 0;
    public static bool IsAbove(string version, ApiVersion other) => Compare(version, other.ToString()) > 0;

    /// <summary>The version a handler sees: major and minor as compared (extra parts dropped).</summary>
    public static ApiVersion ToApiVersion(string version)
    {
        var parts = version.Split('.');
        long major = Atoi(parts[0]);
        long minor = parts.Length > 1 ? Atoi(parts[1]) : 0;
        return new ApiVersion((int)Math.Clamp(major, 0, int.MaxValue), (int)Math.Clamp(minor, 0, int.MaxValue));
    }

    /// <summary>Go's strconv.Atoi on a part that contains only digits (the route pattern allows nothing else): 0 on overflow or empty.</summary>
    private static long Atoi(string s) =>
        long.TryParse(s, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out long v) ? v : 0;
}
