namespace Moat.Daemon.Configuration;

/// <summary>
/// One normalized listen address, parsed with dockerd's rules (moby <c>opts/hosts.go</c>):
/// <c>tcp://[host]:[port]</c>, bare <c>host:port</c> or <c>:port</c>, <c>unix://[path]</c>, <c>fd://</c>, <c>fd://N</c>.
/// <see cref="Normalized"/> is the string dockerd would keep (<c>tcp://localhost:2375</c>, <c>unix:///var/run/docker.sock</c>).
/// </summary>
public sealed record HostAddress
{
    public const string DefaultUnixSocket = "/var/run/docker.sock";
    public const string DefaultUnixHost = "unix://" + DefaultUnixSocket;
    public const string DefaultTlsHost = "tcp://localhost:2376";
    public const int DefaultHttpPort = 2375;
    public const int DefaultTlsHttpPort = 2376;

    private HostAddress(HostAddressKind kind, string normalized)
    {
        Kind = kind;
        Normalized = normalized;
    }

    public HostAddressKind Kind { get; }

    /// <summary>The normalized form, e.g. <c>tcp://127.0.0.1:2376</c>.</summary>
    public string Normalized { get; }

    /// <summary>Unix: the socket path.</summary>
    public string? Path { get; private init; }

    /// <summary>Tcp: the host name or IP literal, without IPv6 brackets (<c>localhost</c>, <c>0.0.0.0</c>, <c>::1</c>).</summary>
    public string? Host { get; private init; }

    /// <summary>Tcp: the port (1–65535).</summary>
    public int Port { get; private init; }

    /// <summary>Fd: the single socket-activated fd to use; null means every socket systemd passed.</summary>
    public int? FdNumber { get; private init; }

    public override string ToString() => Normalized;

    /// <summary>
    /// dockerd's <c>ParseHost</c>: an empty value means the default host, which is <c>tcp://localhost:2376</c>
    /// when <paramref name="defaultToTls"/> and the unix socket otherwise.
    /// </summary>
    public static HostAddress Parse(string value, bool defaultToTls = false)
    {
        string host = value.Trim();
        if (host.Length == 0) host = defaultToTls ? DefaultTlsHost : DefaultUnixHost;
        return ParseDaemonHost(host);
    }

    /// <summary>dockerd's <c>ValidateHost</c> (flag and file values): empty is allowed (it means the default).</summary>
    public static void Validate(string value)
    {
        string host = value.Trim();
        if (host.Length != 0) ParseDaemonHost(host);
    }

    private static HostAddress ParseDaemonHost(string addr)
    {
        string proto, rest;
        int sep = addr.IndexOf("://", StringComparison.Ordinal);
        if (sep < 0)
        {
            proto = "tcp";
            rest = addr;
        }
        else
        {
            proto = addr[..sep];
            rest = addr[(sep + 3)..];
        }

        switch (proto)
        {
            case "tcp":
                return ParseTcp(addr);
            case "unix":
                if (rest.Contains("://", StringComparison.Ordinal))
                    throw Invalid(addr, $"invalid unix address: {rest}");
                if (rest.Length == 0) rest = DefaultUnixSocket;
                return new HostAddress(HostAddressKind.Unix, "unix://" + rest) { Path = rest };
            case "fd":
                // dockerd accepts anything here and fails later in the listener; moatd checks now.
                int? fd = null;
                if (rest.Length != 0 && rest != "*")
                {
                    if (!int.TryParse(rest, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int n))
                        throw Invalid(addr, $"failed to parse systemd fd address: should be a number: {rest}");
                    fd = n;
                }
                return new HostAddress(HostAddressKind.Fd, addr) { FdNumber = fd };
            default:
                // npipe:// is Windows-only; dockerd on Linux accepts it here and fails later.
                throw Invalid(addr, $"unsupported proto '{proto}'");
        }
    }

    private static ConfigurationException Invalid(string addr, string reason) => new($"invalid bind address ({addr}): {reason}");

    /// <summary>dockerd's <c>ParseTCPAddr(addr, "tcp://localhost:2375")</c> on top of Go's <c>url.Parse</c>.</summary>
    private static HostAddress ParseTcp(string addr)
    {
        string url = addr.Contains("://", StringComparison.Ordinal) ? addr : "tcp://" + addr;
        var (scheme, authority, path) = GoUrl.Parse(url, e => Invalid(addr, e));
        if (!string.Equals(scheme, "tcp", StringComparison.Ordinal)) throw Invalid(addr, $"unsupported proto '{scheme}'");
        if (path.Length != 0) throw Invalid(addr, "should not contain a path element");

        var (hostname, portText) = GoUrl.SplitHostPort(authority);
        int port = DefaultHttpPort;
        if (portText.Length != 0)
        {
            // Go accepts any port Atoi parses (even 1234567890); moatd refuses what it cannot listen on.
            if (!int.TryParse(portText, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out port)
                || port is 0 or > 65535)
                throw Invalid(addr, $"invalid port: {portText}");
        }
        if (hostname.Length == 0) hostname = "localhost";
        string joined = hostname.Contains(':') ? $"[{hostname}]:{port}" : $"{hostname}:{port}";
        return new HostAddress(HostAddressKind.Tcp, "tcp://" + joined) { Host = hostname, Port = port };
    }
}
