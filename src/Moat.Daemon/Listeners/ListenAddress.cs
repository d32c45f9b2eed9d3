using System.Globalization;
using Moat.Daemon.Configuration;

namespace Moat.Daemon.Listeners;

public enum ListenKind { Unix, Tcp, Fd }

/// <summary>
/// One parsed -H value, with dockerd's defaults (opts/hosts.go): `unix://` → /var/run/docker.sock, `tcp://` and `:port`
/// → localhost:2375, bare `host:port` → tcp, `fd://` (all activated sockets) or `fd://N`.
/// </summary>
public sealed record ListenAddress(ListenKind Kind, string Path, string Host, int Port, int? Fd)
{
    public const string DefaultUnixSocket = "/var/run/docker.sock";
    public const int DefaultHttpPort = 2375;
    public const int DefaultTlsHttpPort = 2376;

    public static ListenAddress Unix(string path) => new(ListenKind.Unix, path, "", 0, null);
    public static ListenAddress Tcp(string host, int port) => new(ListenKind.Tcp, "", host, port, null);

    /// <summary>The normalised form, as dockerd prints and reports it.</summary>
    public override string ToString() => Kind switch
    {
        ListenKind.Unix => "unix://" + Path,
        ListenKind.Tcp => "tcp://" + HostPort,
        _ => Fd is { } n ? $"fd://{n}" : "fd://",
    };

    public string HostPort => Host.Contains(':') ? $"[{Host}]:{Port}" : $"{Host}:{Port}";

    /// <exception cref="ConfigurationException">dockerd's `invalid bind address …` texts.</exception>
    public static ListenAddress Parse(string value, bool tls = false)
    {
        string addr = value.Trim();
        if (addr.Length == 0)
            return tls ? Tcp("localhost", DefaultTlsHttpPort) : Unix(DefaultUnixSocket);

        int sep = addr.IndexOf("://", StringComparison.Ordinal);
        if (sep < 0)
        {
            // "host:port" and ":port" are tcp.
            return ParseTcp(value, addr);
        }
        string proto = addr[..sep];
        string rest = addr[(sep + 3)..];
        switch (proto)
        {
            case "unix":
                return Unix(rest.Length == 0 ? DefaultUnixSocket : rest);
            case "tcp":
                return ParseTcp(value, rest);
            case "fd":
                if (rest.Length == 0 || rest == "*") return new ListenAddress(ListenKind.Fd, "", "", 0, null);
                if (!int.TryParse(rest, NumberStyles.None, CultureInfo.InvariantCulture, out int fd))
                    throw new ConfigurationException($"failed to parse systemd fd address: should be a number: {rest}");
                return new ListenAddress(ListenKind.Fd, "", "", 0, fd);
            default:
                throw new ConfigurationException($"invalid bind address ({value}): unsupported proto '{proto}'");
        }
    }

    private static ListenAddress ParseTcp(string original, string hostPort)
    {
        int slash = hostPort.IndexOf('/');
        if (slash >= 0)
        {
            if (hostPort[slash..] != "/")
                throw new ConfigurationException($"invalid bind address ({original}): should not contain a path element");
            hostPort = hostPort[..slash];
        }
        string host;
        string port;
        if (hostPort.StartsWith('['))
        {
            int close = hostPort.IndexOf(']');
            if (close < 0) throw new ConfigurationException($"invalid bind address ({original}): missing ']' in address");
            host = hostPort[1..close];
            string after = hostPort[(close + 1)..];
            port = after.StartsWith(':') ? after[1..] : after.Length == 0 ? "" : throw new ConfigurationException($"invalid bind address ({original})");
        }
        else
        {
            int colon = hostPort.LastIndexOf(':');
            if (colon < 0) { host = hostPort; port = ""; }
            else if (hostPort.IndexOf(':') != colon) throw new ConfigurationException($"invalid bind address ({original}): too many colons in address");
            else { host = hostPort[..colon]; port = hostPort[(colon + 1)..]; }
        }
        if (host.Length == 0) host = "localhost";
        int p = DefaultHttpPort;
        if (port.Length > 0 && (!int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out p) || p > 65535))
            throw new ConfigurationException($"invalid port: {port}");
        return Tcp(host, p);
    }
}
