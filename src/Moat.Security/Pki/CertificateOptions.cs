namespace Moat.Security.Pki;

/// <summary>What `moat pki init` makes.</summary>
public sealed record CaOptions
{
    public string CommonName { get; init; } = "Moat CA";
    public KeyAlgorithm Algorithm { get; init; } = KeyAlgorithm.EcdsaP256;
    public int Days { get; init; } = 3650;
    /// <summary>Start of validity; default: now less a little for clock skew.</summary>
    public DateTimeOffset? NotBefore { get; init; }
}

/// <summary>What `moat pki server` makes: the first DNS name is the common name.</summary>
public sealed record ServerCertificateOptions
{
    public required IReadOnlyList<string> DnsNames { get; init; }
    public IReadOnlyList<string> IpAddresses { get; init; } = [];
    public KeyAlgorithm Algorithm { get; init; } = KeyAlgorithm.EcdsaP256;
    public int Days { get; init; } = 825;
    public DateTimeOffset? NotBefore { get; init; }
}

/// <summary>What `moat pki client` makes: CN = the user, one O per group.</summary>
public sealed record ClientCertificateOptions
{
    public required string Name { get; init; }
    public IReadOnlyList<string> Groups { get; init; } = [];
    public KeyAlgorithm Algorithm { get; init; } = KeyAlgorithm.EcdsaP256;
    public int Days { get; init; } = 365;
    public DateTimeOffset? NotBefore { get; init; }
}
