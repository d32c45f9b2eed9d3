using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Moat.Api.Routing;

/// <summary>
/// Turns the request target into the one path the router matches: percent-decoded (including %2F, as
/// Go's net/http does before routing), with "//", "/./" and "/../" resolved. Whatever spelling a client
/// uses, the route (and so the policy action) is the one that runs.
/// </summary>
public static class RequestPath
{
    public static string Raw(HttpContext http)
    {
        string raw = http.Features.Get<IHttpRequestFeature>()?.RawTarget ?? http.Request.Path.Value ?? "/";
        int q = raw.IndexOf('?');
        if (q >= 0) raw = raw[..q];
        if (raw.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || raw.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
        {
            int slash = raw.IndexOf('/', raw.IndexOf("//", StringComparison.Ordinal) + 2);
            raw = slash < 0 ? "/" : raw[slash..];
        }
        return Uri.UnescapeDataString(raw);
    }

    public static string Clean(string path)
    {
        if (path.Length == 0 || path[0] != '/') path = "/" + path;
        var parts = new List<string>();
        foreach (var segment in path.Split('/'))
        {
            if (segment.Length == 0 || segment == ".") continue;
            if (segment == "..")
            {
                if (parts.Count > 0) parts.RemoveAt(parts.Count - 1);
                continue;
            }
            parts.Add(segment);
        }
        return "/" + string.Join('/', parts);
    }

    /// <summary>Splits "/v1.50/containers/json" into "1.50" and "/containers/json".</summary>
    public static bool TrySplitVersion(string path, out string version, out string rest)
    {
        version = "";
        rest = path;
        if (path.Length < 3 || path[1] != 'v' || !char.IsAsciiDigit(path[2])) return false;
        int end = path.IndexOf('/', 1);
        string candidate = end < 0 ? path[2..] : path[2..end];
        foreach (char c in candidate) if (!char.IsAsciiDigit(c) && c != '.') return false;
        version = candidate;
        rest = end < 0 ? "/" : path[end..];
        return true;
    }
}
