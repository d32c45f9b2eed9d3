using Moat.Daemon.Configuration;

namespace Moat.Daemon.Tests.Configuration;

public sealed class TlsMaterialTests : IDisposable
{
    private readonly ConfigTestDir _dir = new();
    private readonly TestCertificates _certs;

    public TlsMaterialTests()
    {
        _certs = new TestCertificates(_dir);
    }

    public void Dispose() => _dir.Dispose();

    private static DaemonSettings Tls(string? ca, string? cert, string? key, bool verify = true, string? crl = null) =>
        new() { Tls = true, TlsVerify = verify, TlsCaCert = ca, TlsCert = cert, TlsKey = key, TlsCrl = crl };

    private static string Error(DaemonSettings s) => Assert.Throws<ConfigurationException>(() => TlsMaterial.Load(s)).Message;

    [Fact]
    public void Load_TlsOff_Null()
    {
        Assert.Null(TlsMaterial.Load(new DaemonSettings()));
    }

    [Fact]
    public void Load_ValidFiles_LoadsCertificateAndCa()
    {
        using var m = TlsMaterial.Load(Tls(_certs.CaFile, _certs.CertFile, _certs.KeyFile, crl: _certs.CrlFile))!;

        Assert.True(m.Certificate.HasPrivateKey);
        Assert.Equal("CN=localhost", m.Certificate.Subject);
        Assert.Single(m.ClientCertificateAuthorities!);
        Assert.NotNull(m.Crl);
    }

    [Fact]
    public void Load_DerCrl_Accepted()
    {
        using var m = TlsMaterial.Load(Tls(_certs.CaFile, _certs.CertFile, _certs.KeyFile, crl: _certs.CrlDerFile))!;

        Assert.NotNull(m.Crl);
    }

    [Fact]
    public void Load_NoVerify_CaNotRead()
    {
        using var m = TlsMaterial.Load(Tls("/nonexistent/ca.pem", _certs.CertFile, _certs.KeyFile, verify: false))!;

        Assert.Null(m.ClientCertificateAuthorities);
    }

    [Fact]
    public void Load_NoCertNoKey_DockerdText()
    {
        Assert.Equal("invalid TLS configuration: could not load X509 key pair (cert: \"\", key: \"\"): open : no such file or directory",
            Error(Tls(_certs.CaFile, null, null)));
    }

    [Fact]
    public void Load_MissingKey_DockerdText()
    {
        Assert.Equal($"invalid TLS configuration: could not load X509 key pair (cert: \"{_certs.CertFile}\", key: \"/nonexistent/key.pem\"): open /nonexistent/key.pem: no such file or directory",
            Error(Tls(_certs.CaFile, _certs.CertFile, "/nonexistent/key.pem")));
    }

    [Fact]
    public void Load_GarbageCert_DockerdText()
    {
        Assert.Equal($"invalid TLS configuration: error reading X509 key pair - make sure the key is not encrypted (cert: \"{_certs.GarbageFile}\", key: \"{_certs.KeyFile}\"): tls: failed to find any PEM data in certificate input",
            Error(Tls(_certs.CaFile, _certs.GarbageFile, _certs.KeyFile)));
    }

    [Fact]
    public void Load_KeyNotMatchingCert_DockerdText()
    {
        Assert.Equal($"invalid TLS configuration: error reading X509 key pair - make sure the key is not encrypted (cert: \"{_certs.CertFile}\", key: \"{_certs.OtherKeyFile}\"): tls: private key does not match public key",
            Error(Tls(_certs.CaFile, _certs.CertFile, _certs.OtherKeyFile)));
    }

    [Fact]
    public void Load_MissingCa_DockerdText()
    {
        Assert.Equal("invalid TLS configuration: could not read CA certificate \"/nonexistent/ca.pem\": open /nonexistent/ca.pem: no such file or directory",
            Error(Tls("/nonexistent/ca.pem", _certs.CertFile, _certs.KeyFile)));
    }

    [Fact]
    public void Load_GarbageCa_DockerdText()
    {
        Assert.Equal($"invalid TLS configuration: failed to append certificates from PEM file: \"{_certs.GarbageFile}\"",
            Error(Tls(_certs.GarbageFile, _certs.CertFile, _certs.KeyFile)));
    }

    [Fact]
    public void Load_VerifyWithoutCa_RefusedInsteadOfSystemRoots()
    {
        Assert.StartsWith("invalid TLS configuration: verifying client certificates needs a CA: set --tlscacert or \"tlscacert\"",
            Error(Tls(null, _certs.CertFile, _certs.KeyFile)));
    }

    [Fact]
    public void Load_GarbageCrl_Refused()
    {
        Assert.StartsWith($"invalid TLS configuration: could not parse CRL \"{_certs.GarbageFile}\": ",
            Error(Tls(_certs.CaFile, _certs.CertFile, _certs.KeyFile, crl: _certs.GarbageFile)));
    }

    [Fact]
    public void Load_MissingCrl_Refused()
    {
        Assert.Equal("invalid TLS configuration: could not read CRL \"/nonexistent/crl.pem\": open /nonexistent/crl.pem: no such file or directory",
            Error(Tls(_certs.CaFile, _certs.CertFile, _certs.KeyFile, crl: "/nonexistent/crl.pem")));
    }

    [Fact]
    public void Load_TlsFlagWithoutCerts_FailsLikeDockerd()
    {
        // `dockerd --tlsverify=false` with no ~/.docker files fails with "could not load X509 key pair" (moby TestTLSVerify).
        var s = _dir.Load("{}", "--tlsverify=false");

        Assert.Equal("invalid TLS configuration: could not load X509 key pair (cert: \"\", key: \"\"): open : no such file or directory", Error(s));
    }
}
