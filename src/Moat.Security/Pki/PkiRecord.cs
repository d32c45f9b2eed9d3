namespace Moat.Security.Pki;

/// <summary>One certificate the CA issued, as kept in index.json.</summary>
public sealed record PkiRecord
{
    /// <summary>Serial number, upper-case hex, big-endian (as openssl prints it).</summary>
    public required string Serial { get; init; }
    /// <summary>"ca", "server" or "client".</summary>
    public required string Kind { get; init; }
    /// <summary>The common name: host name for servers, user name for clients.</summary>
    public required string Name { get; init; }
    public required string Subject { get; init; }
    public IReadOnlyList<string> Groups { get; init; } = [];
    /// <summary>Subject alternative names (servers): DNS names and IP addresses.</summary>
    public IReadOnlyList<string> AlternativeNames { get; init; } = [];
    public required DateTimeOffset NotBefore { get; init; }
    public required DateTimeOffset NotAfter { get; init; }
    public DateTimeOffset? RevokedAt { get; init; }
}
