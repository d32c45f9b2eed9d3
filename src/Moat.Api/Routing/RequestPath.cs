using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Moat.Api.Routing;

/// <summary>
/// Turns the request target into the one path the router matches, the way dockerd's router (Go's net/http
/// plus gorilla/mux) sees it:
/// <list type="number">
/// <item>the query string is cut off first, so nothing in it can influence routing;</item>
/// <item>the path is percent-decoded, %2F included (gorilla matches <c>URL.Path</c>, the decoded form), so
///   <c>/%63ontainers%2Fjson</c> is <c>/containers/json</c>;</item>
/// <item>a path that is not in canonical form ("//", "/./", "/../") is answered with a 301 redirect to the
///   cleaned path, exactly as gorilla does; nothing runs for the unclean spelling;</item>
/// <item>a trailing slash is kept, so <c>/containers/json/</c> matches no route (404), as in dockerd.</item>
/// </list>
/// Invalid percent escapes, invalid UTF-8 and control characters are refused (Go's server answers 400 to
/// the first; the others can only be attacks on whatever logs or matches the path).
/// </summary>
public static class RequestPath
{
    /// <summary>The raw request target without the query string (origin-form; absolute-form is reduced to its path).</summary>
    public static string RawPath(HttpContext http)
    {
        string raw = http.Features.Get<IHttpRequestFeature>()?.RawTarget ?? http.Request.Path.Value ?? "/";
        return StripToPath(raw);
    }

    internal static string StripToPath(string raw)
    {
        int q = raw.IndexOfAny(['?', '#']);
        if (q >= 0) raw = raw[..q];
        if (raw.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || raw.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
        {
            int slash = raw.IndexOf('/', raw.IndexOf("//", StringComparison.Ordinal) + 2);
            raw = slash < 0 ? "/" : raw[slash..];
        }
        return raw;
    }

    /// <summary>Percent-decodes a raw path strictly. False for a bad escape, invalid UTF-8 or a control character.</summary>
    public static bool TryDecode(string raw, out string path)
    {
        path = "";
        if (raw.IndexOf('%') < 0)
        {
            foreach (char c in raw)
                if (char.IsControl(c)) return false;
            path = raw;
            return true;
        }

        var bytes = new byte[Encoding.UTF8.GetMaxByteCount(raw.Length)];
        int n = 0;
        for (int i = 0; i < raw.Length; i++)
        {
            char c = raw[i];
            if (c == '%')
            {
                if (i + 2 >= raw.Length || !IsHex(raw[i + 1]) || !IsHex(raw[i + 2])) return false;
                bytes[n++] = (byte)(HexValue(raw[i + 1]) << 4 | HexValue(raw[i + 2]));
                i += 2;
            }
            else if (c < 0x80)
            {
                bytes[n++] = (byte)c;
            }
            else
            {
                // Kestrel only hands over ASCII targets, but be exact anyway.
                n += Encoding.UTF8.GetBytes(raw.AsSpan(i, char.IsHighSurrogate(c) && i + 1 < raw.Length ? 2 : 1), bytes.AsSpan(n));
                if (char.IsHighSurrogate(c)) i++;
            }
        }

        try
        {
            path = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes, 0, n);
        }
        catch (DecoderFallbackException)
        {
            return false;
        }
        foreach (char c in path)
            if (char.IsControl(c)) return false;
        return true;
    }

    /// <summary>
    /// gorilla/mux's cleanPath: Go's path.Clean (resolve ".", "..", collapse "//", never above the root),
    /// then the trailing slash put back if the input had one.
    /// </summary>
    public static string Clean(string path)
    {
        if (path.Length == 0) return "/";
        if (path[0] != '/') path = "/" + path;
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
        string clean = "/" + string.Join('/', parts);
        if (path[^1] == '/' && clean != "/") clean += "/";
        return clean;
    }

    /// <summary>
    /// Splits "/v1.50/containers/json" into "1.50" and "/containers/json". Matches gorilla's
    /// <c>/v{version:[0-9.]+}</c> prefix: any run of digits and dots, which the version check then judges.
    /// A bare "/v1.50" has no route after it and is not split.
    /// </summary>
    public static bool TrySplitVersion(string path, out string version, out string rest)
    {
        version = "";
        rest = path;
        if (path.Length < 4 || path[0] != '/' || path[1] != 'v') return false;
        int end = path.IndexOf('/', 2);
        if (end < 0 || end == 2) return false;
        for (int i = 2; i < end; i++)
            if (!char.IsAsciiDigit(path[i]) && path[i] != '.') return false;
        version = path[2..end];
        rest = path[end..];
        return true;
    }

    /// <summary>Escapes a decoded, clean path for a Location header (only what must be escaped in a path).</summary>
    public static string Escape(string path)
    {
        var sb = new StringBuilder(path.Length + 8);
        foreach (byte b in Encoding.UTF8.GetBytes(path))
        {
            char c = (char)b;
            bool plain = char.IsAsciiLetterOrDigit(c) || "/-._~!$&'()*+,;=:@".Contains(c);
            if (plain) sb.Append(c);
            else sb.Append('%').Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
        }
        return sb.ToString();
    }

    private static bool IsHex(char c) => char.IsAsciiHexDigit(c);

    private static int HexValue(char c) => c switch
    {
        >= '0' and <= '9' => c - '0',
        >= 'a' and <= 'f' => c - 'a' + 10,
        _ => c - 'A' + 10,
    };
}
