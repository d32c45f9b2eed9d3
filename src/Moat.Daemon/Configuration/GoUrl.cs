using System.Text;

namespace Moat.Daemon.Configuration;

/// <summary>The parts of Go's <c>net/url.Parse</c> that dockerd's host parsing depends on, with Go's error texts.</summary>
internal static class GoUrl
{
    /// <summary>Splits <c>scheme://authority/path?query#fragment</c>; errors are Go's <c>parse "url": reason</c>.</summary>
    public static (string Scheme, string Host, string Path) Parse(string rawUrl, Func<string, Exception> fail)
    {
        foreach (char c in rawUrl)
        {
            if (c < 0x20 || c == 0x7f) throw fail($"parse {GoFormat.Quote(rawUrl)}: net/url: invalid control character in URL");
        }
        string rest = rawUrl;
        int hash = rest.IndexOf('#');
        if (hash >= 0) rest = rest[..hash];

        int colon = rest.IndexOf(':');
        string scheme = "";
        if (colon > 0 && IsScheme(rest[..colon]))
        {
            scheme = rest[..colon].ToLowerInvariant();
            rest = rest[(colon + 1)..];
        }
        int q = rest.IndexOf('?');
        if (q >= 0) rest = rest[..q];

        string authority = "", path = rest;
        if (rest.StartsWith("//", StringComparison.Ordinal))
        {
            string afterSlashes = rest[2..];
            int slash = afterSlashes.IndexOf('/');
            authority = slash < 0 ? afterSlashes : afterSlashes[..slash];
            path = slash < 0 ? "" : afterSlashes[slash..];
        }

        string host = authority;
        int at = host.LastIndexOf('@');
        if (at >= 0) host = host[(at + 1)..];
        string? error = CheckHost(host);
        if (error is not null) throw fail($"parse {GoFormat.Quote(rawUrl)}: {error}");
        return (scheme, host, path);
    }

    private static bool IsScheme(string s)
    {
        if (s.Length == 0 || !char.IsAsciiLetter(s[0])) return false;
        foreach (char c in s)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not ('+' or '-' or '.')) return false;
        }
        return true;
    }

    private static string? CheckHost(string host)
    {
        if (host.StartsWith('['))
        {
            int end = host.LastIndexOf(']');
            if (end < 0) return "missing ']' in host";
            string colonPort = host[(end + 1)..];
            if (!ValidOptionalPort(colonPort)) return $"invalid port {GoFormat.Quote(colonPort)} after host";
        }
        else
        {
            int i = host.LastIndexOf(':');
            if (i >= 0)
            {
                string colonPort = host[i..];
                if (!ValidOptionalPort(colonPort)) return $"invalid port {GoFormat.Quote(colonPort)} after host";
            }
        }
        for (int i = 0; i < host.Length; i++)
        {
            char c = host[i];
            if (c == '%')
            {
                string esc = host.Substring(i, Math.Min(3, host.Length - i));
                return $"invalid URL escape {GoFormat.Quote(esc)}";
            }
            if (c < 0x80 && ShouldEscapeInHost(c)) return $"invalid character {GoFormat.Quote(c.ToString())} in host name";
        }
        return null;
    }

    private static bool ShouldEscapeInHost(char c)
    {
        if (char.IsAsciiLetterOrDigit(c)) return false;
        return c switch
        {
            '-' or '_' or '.' or '~' => false,
            '!' or '$' or '&' or '\'' or '(' or ')' or '*' or '+' or ',' or ';' or '=' or ':' or '[' or ']' or '<' or '>' or '"' => false,
            _ => true,
        };
    }

    private static bool ValidOptionalPort(string port)
    {
        if (port.Length == 0) return true;
        if (port[0] != ':') return false;
        for (int i = 1; i < port.Length; i++)
        {
            if (!char.IsAsciiDigit(port[i])) return false;
        }
        return true;
    }

    /// <summary>Go's <c>URL.Hostname()</c> and <c>URL.Port()</c> on an authority.</summary>
    public static (string Host, string Port) SplitHostPort(string hostPort)
    {
        string port = "";
        int colon = hostPort.LastIndexOf(':');
        if (colon >= 0 && ValidOptionalPort(hostPort[colon..]))
        {
            port = hostPort[(colon + 1)..];
            hostPort = hostPort[..colon];
        }
        if (hostPort.StartsWith('[') && hostPort.EndsWith(']')) hostPort = hostPort[1..^1];
        return (hostPort, port);
    }
}
