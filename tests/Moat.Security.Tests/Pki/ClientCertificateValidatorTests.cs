using Moat.Security.Pki;
using System.Security.Cryptography.X509Certificates;

namespace Moat.Security.Tests.Pki;

public sealed class ClientCertificateValidatorTests : IDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 6, 1, 12, 0, 0, TimeSpan.Zero);
    private readonly PkiTestDirectory _dir = new();
    private readonly CertificateAuthority _ca;
    private readonly ClientCertificateValidator _validator;
    private readonly FixedTime _time = new(Now);

    public ClientCertificateValidatorTests()
    {
        _ca = CertificateAuthority.Init(_dir.Combine("ca"), new CaOptions(), Now);
        var trusted = ClientCertificateValidator.LoadCaBundle(_ca.CaCertificatePath);
        _validator = new ClientCertificateValidator(trusted, new CrlChecker(_ca.CrlPath, trusted), _time);
    }

    public void Dispose()
    {
        _ca.Dispose();
        _dir.Dispose();
    }

    [Theory]
    [InlineData(KeyAlgorithm.EcdsaP256)]
    [InlineData(KeyAlgorithm.Rsa3072)]
    [InlineData(KeyAlgorithm.Ed25519)]
    public void Validate_ClientOfTheCa_Ok(KeyAlgorithm algorithm)
    {
        var alice = _ca.IssueClient(new ClientCertificateOptions { Name = "alice", Algorithm = algorithm }, Now);

        var check = _validator.Validate(alice.Certificate);

        Assert.True(check.Valid, check.Reason);
    }

    [Fact]
    public void Validate_NoCertificate_Refused()
    {
        Assert.False(_validator.Validate(null).Valid);
    }

    [Fact]
    public void Validate_Revoked_RefusedFromTheNextCheck()
    {
        var alice = _ca.IssueClient(new ClientCertificateOptions { Name = "alice" }, Now);
        Assert.True(_validator.Validate(alice.Certificate).Valid);

        _ca.Revoke("alice", Now);
        var check = _validator.Validate(alice.Certificate);

        Assert.False(check.Valid);
        Assert.Contains("revoked", check.Reason);
    }

    [Fact]
    public void Validate_Expired_Refused()
    {
        var old = _ca.IssueClient(new ClientCertificateOptions { Name = "old", NotBefore = Now.AddDays(-30), Days = 1 }, Now);

        var check = _validator.Validate(old.Certificate);

        Assert.False(check.Valid);
        Assert.Contains("expired", check.Reason);
    }

    [Fact]
    public void Validate_NotYetValid_Refused()
    {
        var future = _ca.IssueClient(new ClientCertificateOptions { Name = "future", NotBefore = Now.AddDays(2) }, Now);

        Assert.False(_validator.Validate(future.Certificate).Valid);
    }

    [Fact]
    public void Validate_ExpiresWhileRunning_RefusedAfterNotAfter()
    {
        var shortLived = _ca.IssueClient(new ClientCertificateOptions { Name = "s", Days = 1 }, Now);
        Assert.True(_validator.Validate(shortLived.Certificate).Valid);

        _time.Now = Now.AddDays(2);

        Assert.False(_validator.Validate(shortLived.Certificate).Valid);
    }

    [Fact]
    public void Validate_ClientOfAnotherCa_Refused()
    {
        using var other = CertificateAuthority.Init(_dir.Combine("other"), new CaOptions { CommonName = "Moat CA" }, Now);
        var mallory = other.IssueClient(new ClientCertificateOptions { Name = "mallory" }, Now);

        var check = _validator.Validate(mallory.Certificate);

        Assert.False(check.Valid);
        Assert.Contains("trusted CA", check.Reason);
    }

    [Fact]
    public void Validate_ServerCertificateAsClient_RefusedForUsage()
    {
        var server = _ca.IssueServer(new ServerCertificateOptions { DnsNames = ["h"] }, Now);

        var check = _validator.Validate(server.Certificate);

        Assert.False(check.Valid);
        Assert.Contains("client authentication", check.Reason);
    }

    [Fact]
    public void LoadCaBundle_NoCertificate_Throws()
    {
        string empty = _dir.Combine("empty.pem");
        File.WriteAllText(empty, "nothing here\n");
        Assert.Throws<PkiException>(() => ClientCertificateValidator.LoadCaBundle(empty));
    }

    [Fact]
    public void Accept_RevokedCertificate_FalseAndRaisesRefusedWithReason()
    {
        var alice = _ca.IssueClient(new ClientCertificateOptions { Name = "alice" }, Now);
        _ca.Revoke("alice", Now);
        ClientCertificateCheck? refused = null;
        _validator.Refused += check => refused = check;

        bool accepted = _validator.Accept(null, alice.Certificate, null, System.Net.Security.SslPolicyErrors.RemoteCertificateChainErrors);

        Assert.False(accepted);
        Assert.Contains("revoked", refused?.Reason);
    }

    [Fact]
    public void Accept_GoodCertificateDespitePlatformChainErrors_True()
    {
        var alice = _ca.IssueClient(new ClientCertificateOptions { Name = "alice" }, Now);

        Assert.True(_validator.Accept(null, alice.Certificate, null, System.Net.Security.SslPolicyErrors.RemoteCertificateChainErrors));
    }

    [Fact]
    public void FromFiles_CrlOfAnotherCa_ThrowsAtStart()
    {
        using var other = CertificateAuthority.Init(_dir.Combine("other"), new CaOptions(), Now);

        Assert.Throws<PkiException>(() => ClientCertificateValidator.FromFiles(_ca.CaCertificatePath, other.CrlPath));
    }

    [Fact]
    public void FromFiles_WithCrl_RefusesRevoked()
    {
        var alice = _ca.IssueClient(new ClientCertificateOptions { Name = "alice" }, Now);
        _ca.Revoke("alice", Now);

        var validator = ClientCertificateValidator.FromFiles(_ca.CaCertificatePath, _ca.CrlPath, _time);

        Assert.False(validator.Validate(alice.Certificate).Valid);
        Assert.NotNull(validator.Crl);
    }
}
