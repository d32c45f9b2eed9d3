using System.Security.Cryptography.X509Certificates;
using Moat.Security.Pki;

namespace Moat.Security.Tests.Pki;

public sealed class CertificateAuthorityTests : IDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 6, 1, 12, 0, 0, TimeSpan.Zero);
    private readonly PkiTestDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private string CaDir => _dir.Combine("ca");

    [Fact]
    public void Init_WritesCaKeyCrlAndIndex_WithSafeModes()
    {
        using var ca = CertificateAuthority.Init(CaDir, new CaOptions(), Now);

        Assert.Equal(AtomicFile.DirectoryMode, File.GetUnixFileMode(CaDir));
        Assert.Equal(AtomicFile.CertificateMode, File.GetUnixFileMode(Path.Combine(CaDir, "ca.pem")));
        Assert.Equal(AtomicFile.PrivateKeyMode, File.GetUnixFileMode(Path.Combine(CaDir, "ca-key.pem")));
        Assert.Equal(AtomicFile.CertificateMode, File.GetUnixFileMode(Path.Combine(CaDir, "crl.pem")));
        Assert.Equal(AtomicFile.StateMode, File.GetUnixFileMode(Path.Combine(CaDir, "index.json")));
        Assert.Empty(Directory.GetFiles(CaDir, "*.tmp", SearchOption.AllDirectories));
        Assert.Single(ca.Index.Certificates);
        Assert.Equal("ca", ca.Index.Certificates[0].Kind);
    }

    [Fact]
    public void Init_CaCertificate_IsCaWithCertSignAndCrlSign()
    {
        using var ca = CertificateAuthority.Init(CaDir, new CaOptions { CommonName = "Test CA", Days = 10 }, Now);

        var cert = X509Certificate2.CreateFromPem(File.ReadAllText(Path.Combine(CaDir, "ca.pem")));
        var basic = cert.Extensions.OfType<X509BasicConstraintsExtension>().Single();
        Assert.True(basic.CertificateAuthority);
        Assert.True(basic.Critical);
        var usage = cert.Extensions.OfType<X509KeyUsageExtension>().Single();
        Assert.True(usage.KeyUsages.HasFlag(X509KeyUsageFlags.KeyCertSign));
        Assert.True(usage.KeyUsages.HasFlag(X509KeyUsageFlags.CrlSign));
        Assert.NotNull(cert.Extensions.OfType<X509SubjectKeyIdentifierExtension>().SingleOrDefault());
        Assert.Equal("CN=Test CA", cert.Subject);
        Assert.Equal(Now.AddHours(-1).AddDays(10).UtcDateTime, cert.NotAfter.ToUniversalTime());
    }

    [Fact]
    public void Init_Twice_RefusesToReplaceTheCa()
    {
        CertificateAuthority.Init(CaDir, new CaOptions(), Now).Dispose();
        string before = File.ReadAllText(Path.Combine(CaDir, "ca.pem"));

        var e = Assert.Throws<PkiException>(() => CertificateAuthority.Init(CaDir, new CaOptions(), Now));

        Assert.Contains("already exists", e.Message);
        Assert.Equal(before, File.ReadAllText(Path.Combine(CaDir, "ca.pem")));
    }

    [Fact]
    public void Open_NoCa_SaysHowToMakeOne()
    {
        var e = Assert.Throws<PkiException>(() => CertificateAuthority.Open(CaDir));
        Assert.Contains("moat pki init", e.Message);
    }

    [Theory]
    [InlineData(KeyAlgorithm.EcdsaP256)]
    [InlineData(KeyAlgorithm.Rsa3072)]
    [InlineData(KeyAlgorithm.Ed25519)]
    public void IssueClient_EachCaAlgorithm_ChainsToTheCa(KeyAlgorithm algorithm)
    {
        CertificateAuthority.Init(CaDir, new CaOptions { Algorithm = algorithm }, Now).Dispose();
        using var ca = CertificateAuthority.Open(CaDir);

        var issued = ca.IssueClient(new ClientCertificateOptions { Name = "alice" }, Now);

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(ca.Certificate);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.VerificationTime = Now.UtcDateTime;
        Assert.True(chain.Build(issued.Certificate), string.Join("; ", chain.ChainStatus.Select(s => s.StatusInformation)));
    }

    [Fact]
    public void IssueServer_HasDnsAndIpSansAndServerAuth()
    {
        using var ca = CertificateAuthority.Init(CaDir, new CaOptions(), Now);

        var issued = ca.IssueServer(new ServerCertificateOptions { DnsNames = ["moat.example", "localhost"], IpAddresses = ["127.0.0.1", "::1"] }, Now);

        var cert = issued.Certificate;
        Assert.Equal("CN=moat.example", cert.Subject);
        var san = cert.Extensions.OfType<X509SubjectAlternativeNameExtension>().Single();
        Assert.Equal(["moat.example", "localhost"], san.EnumerateDnsNames());
        Assert.Equal(["127.0.0.1", "::1"], san.EnumerateIPAddresses().Select(a => a.ToString()));
        var eku = cert.Extensions.OfType<X509EnhancedKeyUsageExtension>().Single();
        Assert.Equal([CertificateAuthority.ServerAuthOid], eku.EnhancedKeyUsages.Cast<System.Security.Cryptography.Oid>().Select(o => o.Value));
        Assert.False(cert.Extensions.OfType<X509BasicConstraintsExtension>().Single().CertificateAuthority);
        Assert.NotNull(cert.Extensions.OfType<X509AuthorityKeyIdentifierExtension>().SingleOrDefault());
        Assert.Equal(["DNS:moat.example", "DNS:localhost", "IP:127.0.0.1", "IP:::1"], issued.Record.AlternativeNames);
    }

    [Fact]
    public void IssueServer_KeyMatchesCertificate()
    {
        using var ca = CertificateAuthority.Init(CaDir, new CaOptions(), Now);
        var issued = ca.IssueServer(new ServerCertificateOptions { DnsNames = ["h"] }, Now);

        using var withKey = X509Certificate2.CreateFromPem(issued.CertificatePem, issued.PrivateKeyPem);

        Assert.True(withKey.HasPrivateKey);
    }

    [Theory]
    [InlineData("bad_name")]
    [InlineData("-leading.example")]
    [InlineData("10.0.0.1")]
    [InlineData("a..b")]
    public void IssueServer_InvalidDnsName_Throws(string name)
    {
        using var ca = CertificateAuthority.Init(CaDir, new CaOptions(), Now);
        Assert.Throws<PkiException>(() => ca.IssueServer(new ServerCertificateOptions { DnsNames = [name] }, Now));
    }

    [Fact]
    public void IssueServer_InvalidIp_Throws()
    {
        using var ca = CertificateAuthority.Init(CaDir, new CaOptions(), Now);
        var e = Assert.Throws<PkiException>(() => ca.IssueServer(new ServerCertificateOptions { DnsNames = ["h"], IpAddresses = ["300.1.1.1"] }, Now));
        Assert.Contains("300.1.1.1", e.Message);
    }

    [Fact]
    public void IssueServer_Ed25519_RefusedBecauseMoatdCannotServeIt()
    {
        using var ca = CertificateAuthority.Init(CaDir, new CaOptions(), Now);
        Assert.Throws<PkiException>(() => ca.IssueServer(new ServerCertificateOptions { DnsNames = ["h"], Algorithm = KeyAlgorithm.Ed25519 }, Now));
    }

    [Fact]
    public void IssueClient_CnIsNameAndOrganizationsAreGroups()
    {
        using var ca = CertificateAuthority.Init(CaDir, new CaOptions(), Now);

        var issued = ca.IssueClient(new ClientCertificateOptions { Name = "alice", Groups = ["dev", "ops", "dev"] }, Now);

        Assert.Equal("alice", CertificateIdentity.CommonName(issued.Certificate));
        Assert.Equal(["dev", "ops"], CertificateIdentity.Groups(issued.Certificate));
        Assert.Equal(["dev", "ops"], issued.Record.Groups);
        var eku = issued.Certificate.Extensions.OfType<X509EnhancedKeyUsageExtension>().Single();
        Assert.Equal([CertificateAuthority.ClientAuthOid], eku.EnhancedKeyUsages.Cast<System.Security.Cryptography.Oid>().Select(o => o.Value));
        Assert.Empty(issued.Certificate.Extensions.OfType<X509SubjectAlternativeNameExtension>());
    }

    [Fact]
    public void IssueClient_PastValidity_IsExpired()
    {
        using var ca = CertificateAuthority.Init(CaDir, new CaOptions(), Now);

        var issued = ca.IssueClient(new ClientCertificateOptions { Name = "old", NotBefore = Now.AddDays(-10), Days = 2 }, Now);

        Assert.True(issued.Certificate.NotAfter.ToUniversalTime() < Now.UtcDateTime);
    }

    [Theory]
    [InlineData("")]
    [InlineData(" alice")]
    [InlineData("a\nb")]
    public void IssueClient_BadName_Throws(string name)
    {
        using var ca = CertificateAuthority.Init(CaDir, new CaOptions(), Now);
        Assert.Throws<PkiException>(() => ca.IssueClient(new ClientCertificateOptions { Name = name }, Now));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(CertificateAuthority.MaxDays + 1)]
    public void IssueClient_DaysOutOfRange_Throws(int days)
    {
        using var ca = CertificateAuthority.Init(CaDir, new CaOptions(), Now);
        Assert.Throws<PkiException>(() => ca.IssueClient(new ClientCertificateOptions { Name = "a", Days = days }, Now));
    }

    [Fact]
    public void IssueClient_RecordedInIndexAcrossOpens()
    {
        string serial;
        using (var ca = CertificateAuthority.Init(CaDir, new CaOptions(), Now))
            serial = ca.IssueClient(new ClientCertificateOptions { Name = "alice", Groups = ["dev"] }, Now).Record.Serial;

        using var reopened = CertificateAuthority.Open(CaDir);

        var record = reopened.Index.Certificates.Single(c => c.Serial == serial);
        Assert.Equal("alice", record.Name);
        Assert.Equal(["dev"], record.Groups);
        Assert.True(File.Exists(Path.Combine(CaDir, "certs", serial + ".pem")));
    }

    [Fact]
    public void Revoke_ByName_WritesCrlWithItsSerial()
    {
        using var ca = CertificateAuthority.Init(CaDir, new CaOptions(), Now);
        var alice = ca.IssueClient(new ClientCertificateOptions { Name = "alice" }, Now);
        var bob = ca.IssueClient(new ClientCertificateOptions { Name = "bob" }, Now);

        var revoked = ca.Revoke("alice", Now);

        Assert.Equal(alice.Record.Serial, Assert.Single(revoked).Serial);
        var crl = Assert.Single(RevocationList.ParseAll(File.ReadAllBytes(ca.CrlPath)));
        Assert.True(crl.VerifySignature(ca.Certificate));
        Assert.True(crl.IsRevoked(alice.Certificate));
        Assert.False(crl.IsRevoked(bob.Certificate));
        Assert.Equal(2, (int)crl.CrlNumber!.Value);
    }

    [Fact]
    public void Revoke_BySerialInAnyCaseWithColons_Revokes()
    {
        using var ca = CertificateAuthority.Init(CaDir, new CaOptions(), Now);
        var alice = ca.IssueClient(new ClientCertificateOptions { Name = "alice" }, Now);
        string colons = string.Join(':', Enumerable.Range(0, alice.Record.Serial.Length / 2).Select(i => alice.Record.Serial.Substring(i * 2, 2))).ToLowerInvariant();

        var revoked = ca.Revoke(colons, Now);

        Assert.Equal(alice.Record.Serial, Assert.Single(revoked).Serial);
        Assert.NotNull(ca.Index.Certificates.Single(c => c.Serial == alice.Record.Serial).RevokedAt);
    }

    [Fact]
    public void Revoke_Unknown_Throws()
    {
        using var ca = CertificateAuthority.Init(CaDir, new CaOptions(), Now);
        var e = Assert.Throws<PkiException>(() => ca.Revoke("nobody", Now));
        Assert.Contains("moat pki list", e.Message);
    }

    [Fact]
    public void Revoke_Twice_SaysAlreadyRevoked()
    {
        using var ca = CertificateAuthority.Init(CaDir, new CaOptions(), Now);
        ca.IssueClient(new ClientCertificateOptions { Name = "alice" }, Now);
        ca.Revoke("alice", Now);

        var e = Assert.Throws<PkiException>(() => ca.Revoke("alice", Now));

        Assert.Contains("already revoked", e.Message);
    }

    [Fact]
    public void Revoke_TheCa_Refused()
    {
        using var ca = CertificateAuthority.Init(CaDir, new CaOptions(), Now);
        var e = Assert.Throws<PkiException>(() => ca.Revoke("Moat CA", Now));
        Assert.Contains("cannot be revoked", e.Message);
    }

    [Fact]
    public async Task Open_WhileAnotherHoldsTheDirectory_WaitsForTheLock()
    {
        var first = CertificateAuthority.Init(CaDir, new CaOptions(), Now);
        var second = Task.Run(() => CertificateAuthority.Open(CaDir), TestContext.Current.CancellationToken);

        await Task.Delay(200, TestContext.Current.CancellationToken);
        Assert.False(second.IsCompleted);
        first.Dispose();

        using var opened = await second.WaitAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken);
        Assert.Equal(first.Certificate.Thumbprint, opened.Certificate.Thumbprint);
    }

    [Fact]
    public void WriteClientFiles_ExistingKey_NotReplaced()
    {
        using var ca = CertificateAuthority.Init(CaDir, new CaOptions(), Now);
        string outDir = _dir.Combine("alice");
        CertificateAuthority.WriteClientFiles(ca.IssueClient(new ClientCertificateOptions { Name = "alice" }, Now), outDir, ca.CaPem());
        string key = File.ReadAllText(Path.Combine(outDir, "key.pem"));

        Assert.Throws<PkiException>(() =>
            CertificateAuthority.WriteClientFiles(ca.IssueClient(new ClientCertificateOptions { Name = "alice" }, Now), outDir, ca.CaPem()));

        Assert.Equal(key, File.ReadAllText(Path.Combine(outDir, "key.pem")));
        Assert.Equal(AtomicFile.PrivateKeyMode, File.GetUnixFileMode(Path.Combine(outDir, "key.pem")));
        Assert.Equal(AtomicFile.CertificateMode, File.GetUnixFileMode(Path.Combine(outDir, "cert.pem")));
        Assert.Equal(AtomicFile.CertificateMode, File.GetUnixFileMode(Path.Combine(outDir, "ca.pem")));
    }
}
