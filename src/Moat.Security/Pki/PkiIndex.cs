namespace Moat.Security.Pki;

/// <summary>The PKI directory's small database (index.json): what was issued, what is revoked, the last CRL number.</summary>
public sealed record PkiIndex
{
    public int Version { get; init; } = 1;
    public long CrlNumber { get; init; }
    public List<PkiRecord> Certificates { get; init; } = [];
}
