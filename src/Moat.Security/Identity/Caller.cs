namespace Moat.Security.Identity;

/// <summary>How a caller proved who they are.</summary>
public enum AuthMethod
{
    /// <summary>Plain TCP on loopback, or TLS without client verification.</summary>
    None,
    /// <summary>Unix socket: SO_PEERCRED (also how ssh:// users arrive, through `moat dial-stdio`).</summary>
    PeerCredentials,
    /// <summary>Mutual TLS client certificate.</summary>
    Tls,
}

/// <summary>Who is calling, established once per connection by the transport.</summary>
public sealed record Caller
{
    public static readonly Caller Anonymous = new() { User = "anonymous", Method = AuthMethod.None };

    public required string User { get; init; }
    public IReadOnlyList<string> Groups { get; init; } = [];
    public AuthMethod Method { get; init; }
    /// <summary>Unix peer uid/gid/pid (PeerCredentials only).</summary>
    public int? Uid { get; init; }
    public int? Gid { get; init; }
    public int? Pid { get; init; }
    /// <summary>Client certificate serial (hex) and SHA-256 fingerprint (Tls only).</summary>
    public string? CertificateSerial { get; init; }
    public string? CertificateFingerprint { get; init; }
    /// <summary>"unix", "tcp" or "tls".</summary>
    public string Transport { get; init; } = "unix";
    public string? RemoteAddress { get; init; }

    /// <summary>uid 0 on the unix socket: root owns the host anyway, so it is always an administrator.</summary>
    public bool IsRoot => Method == AuthMethod.PeerCredentials && Uid == 0;
}
