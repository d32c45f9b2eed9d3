using Moat.Security.Pki;
using System.Security.Cryptography.X509Certificates;

namespace Moat.Security.Tests.Pki;

public sealed class CrlCheckerTests : IDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 6, 1, 12, 0, 0, TimeSpan.Zero);
    private readonly PkiTestDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void IsRevoked_AfterRevokeRewritesTheFile_SeesItWithoutReload()
    {
        using var ca = CertificateAuthority.Init(_dir.Combine("ca"), new CaOptions(), Now);
        var alice = ca.IssueClient(new ClientCertificateOptions { Name = "alice" }, Now);
        var checker = new CrlChecker(ca.CrlPath, [ca.Certificate]);
        Assert.False(checker.IsRevoked(alice.Certificate));

        ca.Revoke("alice", Now);

        Assert.True(checker.IsRevoked(alice.Certificate));
        Assert.Null(checker.LastError);
    }

    [Fact]
    public void Constructor_CrlOfAnotherCa_Throws()
    {
        using var ca = CertificateAuthority.Init(_dir.Combine("ca"), new CaOptions(), Now);
        using var other = CertificateAuthority.Init(_dir.Combine("other"), new CaOptions(), Now);

        var e = Assert.Throws<PkiException>(() => new CrlChecker(other.CrlPath, [ca.Certificate]));

        Assert.Contains("not signed by a trusted CA", e.Message);
    }

    [Fact]
    public void Constructor_MissingFile_Throws()
    {
        using var ca = CertificateAuthority.Init(_dir.Combine("ca"), new CaOptions(), Now);
        Assert.Throws<PkiException>(() => new CrlChecker(_dir.Combine("nope.pem"), [ca.Certificate]));
    }

    [Fact]
    public void Reload_BrokenFile_KeepsLastGoodCrlAndReportsError()
    {
        using var ca = CertificateAuthority.Init(_dir.Combine("ca"), new CaOptions(), Now);
        var alice = ca.IssueClient(new ClientCertificateOptions { Name = "alice" }, Now);
        ca.Revoke("alice", Now);
        string crl = _dir.Combine("crl.pem");
        File.Copy(ca.CrlPath, crl);
        var checker = new CrlChecker(crl, [ca.Certificate]);
        string? reported = "none";
        checker.Reloaded += error => reported = error;

        File.WriteAllText(crl, "garbage that replaces the CRL");

        Assert.True(checker.IsRevoked(alice.Certificate));
        Assert.NotNull(checker.LastError);
        Assert.Equal(checker.LastError, reported);
    }

    [Fact]
    public void Reload_ForgedCrlFromOtherCa_DoesNotUnrevoke()
    {
        using var ca = CertificateAuthority.Init(_dir.Combine("ca"), new CaOptions(), Now);
        using var other = CertificateAuthority.Init(_dir.Combine("other"), new CaOptions(), Now);
        var alice = ca.IssueClient(new ClientCertificateOptions { Name = "alice" }, Now);
        ca.Revoke("alice", Now);
        string crl = _dir.Combine("crl.pem");
        File.Copy(ca.CrlPath, crl);
        var checker = new CrlChecker(crl, [ca.Certificate]);

        File.Copy(other.CrlPath, crl, overwrite: true);

        Assert.False(checker.Reload());
        Assert.True(checker.IsRevoked(alice.Certificate));
        Assert.Contains("not signed", checker.LastError);
    }

    [Fact]
    public void Reload_GoodFileAfterBrokenOne_ClearsError()
    {
        using var ca = CertificateAuthority.Init(_dir.Combine("ca"), new CaOptions(), Now);
        string crl = _dir.Combine("crl.pem");
        File.Copy(ca.CrlPath, crl);
        var checker = new CrlChecker(crl, [ca.Certificate]);
        File.WriteAllText(crl, "garbage");
        Assert.False(checker.Reload());

        File.Copy(ca.CrlPath, crl, overwrite: true);

        Assert.True(checker.Reload());
        Assert.Null(checker.LastError);
    }
}
