namespace Moat.Daemon.Listeners;

/// <summary>What a TCP listener's security allows: refuse, or start with these log lines and /info warnings.</summary>
public sealed record TransportVerdict(string? Refusal, IReadOnlyList<string> LogWarnings, string? InfoWarning);

/// <summary>
/// Secure by default where dockerd only warns (§1.8): plain TCP that other machines can reach is refused; on loopback
/// it starts with dockerd's three warnings (no sleeps). TLS without client verification starts with a warning.
/// The same rules apply to sockets systemd passes in (dockerd checks only `tcp://` hosts).
/// </summary>
public static class TransportPolicy
{
    public const string InsecureWarning = "Binding to IP address without --tlsverify is insecure and gives root access on this machine to everyone who has access to your network.";
    public const string BrowserWarning = "Binding to an IP address, even on localhost, can also give access to scripts run in a browser. Be safe out there!";
    public const string DeprecationWarning = "[DEPRECATION NOTICE] In future versions this will be a hard failure preventing the daemon from starting! Learn more at: https://docs.docker.com/go/api-security/";

    // daemon/info.go fillAPIInfo
    private const string AttackSurface = "\n         Access to the remote API is equivalent to root access on the host. Refer\n         to the 'Docker daemon attack surface' section in the documentation for\n         more information: https://docs.docker.com/go/attack-surface/";
    private const string Removal = "\nIn future versions this will be a hard failure preventing the daemon from starting! Learn more at: https://docs.docker.com/go/api-security/";

    /// <param name="address">`tcp://host:port` as shown to the user.</param>
    /// <param name="hostPort">`host:port` as dockerd prints it in /info.</param>
    public static TransportVerdict Check(string address, string hostPort, bool loopback, bool tls, bool verifyClients)
    {
        if (tls && verifyClients) return new TransportVerdict(null, [], null);
        if (!tls)
        {
            if (!loopback)
                return new TransportVerdict(
                    $"refusing to serve the API on {address} without TLS: everyone who can reach this address would have root access on this machine. " +
                    "Turn on mutual TLS with --tlsverify --tlscacert=ca.pem --tlscert=server-cert.pem --tlskey=server-key.pem " +
                    "(`moat pki` can make these certificates), or listen on a unix socket or on localhost (tcp://127.0.0.1:2375) instead",
                    [], null);
            return new TransportVerdict(null, [InsecureWarning, BrowserWarning, DeprecationWarning],
                $"[DEPRECATION NOTICE]: API is accessible on http://{hostPort} without encryption.{AttackSurface}{Removal}");
        }
        var warnings = new List<string> { InsecureWarning, BrowserWarning, DeprecationWarning };
        if (!loopback)
            warnings.Add($"API on {address} is encrypted but does not verify clients (--tlsverify=false): everyone who can reach it has root access on this machine; use --tlsverify with --tlscacert");
        return new TransportVerdict(null, warnings,
            $"[DEPRECATION NOTICE]: API is accessible on https://{hostPort} without TLS client verification.{AttackSurface}{Removal}");
    }
}
