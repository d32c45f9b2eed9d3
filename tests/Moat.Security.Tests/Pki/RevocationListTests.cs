using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Moat.Security.Pki;

namespace Moat.Security.Tests.Pki;

public sealed class RevocationListTests : IDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 6, 1, 12, 0, 0, TimeSpan.Zero);
    private readonly PkiTestDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData(KeyAlgorithm.EcdsaP256)]
    [InlineData(KeyAlgorithm.Rsa3072)]
    [InlineData(KeyAlgorithm.Ed25519)]
    public void VerifySignature_EachAlgorithm_TrueForItsCaFalseForAnother(KeyAlgorithm algorithm)
    {
        using var ca = CertificateAuthority.Init(_dir.Combine("a"), new CaOptions { Algorithm = algorithm }, Now);
        using var other = CertificateAuthority.Init(_dir.Combine("b"), new CaOptions { Algorithm = algorithm }, Now);

        var crl = RevocationList.ParseAll(File.ReadAllBytes(ca.CrlPath)).Single();

        Assert.True(crl.VerifySignature(ca.Certificate));
        Assert.False(crl.VerifySignature(other.Certificate));
    }

    [Fact]
    public void Parse_Der_ReadsIssuerTimesAndSerials()
    {
        using var ca = CertificateAuthority.Init(_dir.Combine("a"), new CaOptions { CommonName = "Der CA" }, Now);
        var alice = ca.IssueClient(new ClientCertificateOptions { Name = "alice" }, Now);
        ca.Revoke("alice", Now);
        string pem = File.ReadAllText(ca.CrlPath);
        byte[] der = PemEncoding.Find(pem) is var f ? Convert.FromBase64String(pem[f.Base64Data]) : [];

        var crl = RevocationList.Parse(der);

        Assert.Equal("CN=Der CA", crl.Issuer.Name);
        Assert.Equal(Now.AddMinutes(-5), crl.ThisUpdate);
        Assert.Equal(Now.Add(CertificateAuthority.CrlValidity), crl.NextUpdate);
        Assert.Equal([RevocationList.NormalizeSerial(alice.Record.Serial)], crl.RevokedSerials);
        Assert.True(crl.IsRevoked(alice.Certificate));
    }

    [Fact]
    public void VerifySignature_TamperedCrl_False()
    {
        using var ca = CertificateAuthority.Init(_dir.Combine("a"), new CaOptions(), Now);
        ca.IssueClient(new ClientCertificateOptions { Name = "alice" }, Now);
        ca.Revoke("alice", Now);
        string pem = File.ReadAllText(ca.CrlPath);
        byte[] der = Convert.FromBase64String(pem[PemEncoding.Find(pem).Base64Data]);
        // Flip a bit inside the revoked serial number (in the signed part).
        int at = der.AsSpan().IndexOf(Convert.FromHexString(ca.Index.Certificates[1].Serial));
        Assert.True(at > 0);
        der[at + 3] ^= 0x01;

        var crl = RevocationList.Parse(der);

        Assert.False(crl.VerifySignature(ca.Certificate));
    }

    [Fact]
    public void IsRevoked_SameSerialOtherIssuer_False()
    {
        using var ca = CertificateAuthority.Init(_dir.Combine("a"), new CaOptions(), Now);
        using var other = CertificateAuthority.Init(_dir.Combine("b"), new CaOptions { CommonName = "Other CA" }, Now);
        var alice = ca.IssueClient(new ClientCertificateOptions { Name = "alice" }, Now);
        ca.Revoke("alice", Now);
        var crl = RevocationList.ParseAll(File.ReadAllBytes(ca.CrlPath)).Single();
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=alice", key, HashAlgorithmName.SHA256);
        using var otherKey = PkiKey.ImportPem(File.ReadAllText(_dir.Combine("b", "ca-key.pem")));
        using var sameSerial = request.Create(other.Certificate.SubjectName, otherKey.SignatureGenerator(), Now.AddDays(-1), Now.AddDays(1),
            Convert.FromHexString(alice.Record.Serial));

        Assert.True(crl.IsRevoked(alice.Certificate));
        Assert.False(crl.IsRevoked(sameSerial));
    }

    [Fact]
    public void ParseAll_TwoPemBlocks_ReadsBoth()
    {
        using var a = CertificateAuthority.Init(_dir.Combine("a"), new CaOptions { CommonName = "A" }, Now);
        using var b = CertificateAuthority.Init(_dir.Combine("b"), new CaOptions { CommonName = "B" }, Now);
        byte[] both = System.Text.Encoding.ASCII.GetBytes(File.ReadAllText(a.CrlPath) + File.ReadAllText(b.CrlPath));

        var lists = RevocationList.ParseAll(both);

        Assert.Equal(["CN=A", "CN=B"], lists.Select(l => l.Issuer.Name));
    }

    [Theory]
    [InlineData("")]
    [InlineData("not a crl")]
    [InlineData("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")]
    public void ParseAll_NotACrl_Throws(string content)
    {
        Assert.Throws<PkiException>(() => RevocationList.ParseAll(System.Text.Encoding.ASCII.GetBytes(content)));
    }

    [Fact]
    public void Parse_TruncatedDer_Throws()
    {
        using var ca = CertificateAuthority.Init(_dir.Combine("a"), new CaOptions(), Now);
        string pem = File.ReadAllText(ca.CrlPath);
        byte[] der = Convert.FromBase64String(pem[PemEncoding.Find(pem).Base64Data]);

        Assert.Throws<PkiException>(() => RevocationList.Parse(der.AsSpan(0, der.Length - 10)));
    }

    [Fact]
    public void ParseAll_TooLarge_Throws()
    {
        var e = Assert.Throws<PkiException>(() => RevocationList.ParseAll(new byte[RevocationList.MaxSize + 1]));
        Assert.Contains("larger", e.Message);
    }
}
