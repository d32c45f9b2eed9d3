using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;
using Moat.Daemon.Configuration;
using Moat.Daemon.Hosting.Logging;
using Moat.Daemon.Listeners;

namespace Moat.Daemon.Tests.Listeners;

public sealed class TlsCertificateStoreTests : IDisposable
{
    private static readonly Oid ClientAuth = new("1.3.6.1.5.5.7.3.2");
    private static readonly Oid ServerAuth = new("1.3.6.1.5.5.7.3.1");

    private readonly string _dir = Directory.CreateTempSubdirectory("moat-tls-").FullName;
    private readonly X509Certificate2 _ca = MakeCa("Test CA");
    private readonly StringWriter _log = new();

    private static X509Certificate2 MakeCa(string name)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-30), DateTimeOffset.UtcNow.AddDays(365));
    }

    private static X509Certificate2 Issue(X509Certificate2 ca, string cn, Oid? eku, DateTimeOffset? notAfter = null, byte serial = 1, bool san = false)
    {
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={cn}", key, HashAlgorithmName.SHA256);
        if (eku is not null) request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([eku], false));
        if (san)
        {
            var sans = new SubjectAlternativeNameBuilder();
            sans.AddDnsName("localhost");
            request.CertificateExtensions.Add(sans.Build());
        }
        using var caKey = ca.GetECDsaPrivateKey()!;
        var after = notAfter ?? DateTimeOffset.UtcNow.AddDays(10);
        var cert = request.Create(ca.SubjectName, X509SignatureGenerator.CreateForECDsa(caKey), after.AddDays(-20), after, [serial]);
        return cert.CopyWithPrivateKey(key);
    }

    private DaemonSettings Files(X509Certificate2 server, bool verify = true, string? caPem = null)
    {
        string cert = Path.Combine(_dir, "server-cert.pem"), key = Path.Combine(_dir, "server-key.pem"), ca = Path.Combine(_dir, "ca.pem");
        File.WriteAllText(cert, server.ExportCertificatePem());
        File.WriteAllText(key, server.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem());
        File.WriteAllText(ca, caPem ?? _ca.ExportCertificatePem());
        return new DaemonSettings { Tls = true, TlsVerify = verify, TlsCert = cert, TlsKey = key, TlsCaCert = ca };
    }

    private TlsCertificateStore Store(DaemonSettings settings) =>
        new(settings, new DaemonLoggerProvider(new LogLevelSwitch(LogLevel.Information), "text", _log).CreateLogger("Moat.Test"));

    private X509Certificate2Collection Cas => [_ca];

    /// <summary>The one client check the store installs in the handshake.</summary>
    private bool Valid(X509Certificate2? certificate, X509Chain? presented) =>
        new Moat.Security.Pki.ClientCertificateValidator(Cas, null).Validate(certificate, presented).Valid;

    [Fact]
    public void ValidateClient_ClientAuthFromOurCa_IsAccepted()
    {
        Assert.True(Valid(Issue(_ca, "alice", ClientAuth), null));
    }

    [Fact]
    public void ValidateClient_NoEku_IsAccepted()
    {
        Assert.True(Valid(Issue(_ca, "bob", null), null));
    }

    [Fact]
    public void ValidateClient_ServerAuthOnly_IsRefused()
    {
        Assert.False(Valid(Issue(_ca, "server", ServerAuth), null));
    }

    [Fact]
    public void ValidateClient_OtherCa_IsRefused()
    {
        var rogue = MakeCa("Rogue CA");
        Assert.False(Valid(Issue(rogue, "mallory", ClientAuth), null));
    }

    [Fact]
    public void ValidateClient_Expired_IsRefused()
    {
        Assert.False(Valid(Issue(_ca, "old", ClientAuth, DateTimeOffset.UtcNow.AddDays(-1)), null));
    }

    [Fact]
    public void ValidateClient_NoCertificate_IsRefused()
    {
        Assert.False(Valid(null, null));
    }

    [Fact]
    public void ServerOptions_FollowPolicy()
    {
        var store = Store(Files(Issue(_ca, "localhost", ServerAuth, san: true)));

        var options = store.CreateServerOptions();

        Assert.True(options.ClientCertificateRequired);
        Assert.Equal(SslProtocols.Tls12 | SslProtocols.Tls13, options.EnabledSslProtocols);
        Assert.Equal(["http/1.1"], options.ApplicationProtocols!.Select(p => p.ToString()));
        Assert.DoesNotContain(TlsCertificateStore.CipherSuites.AllowedCipherSuites!, s => s.ToString().Contains("CBC"));
        Assert.Equal(SslProtocols.Tls13, TlsCertificateStore.Protocols("1.3"));
    }

    [Fact]
    public void ServerAuthOnly_DoesNotReadCa()
    {
        var settings = Files(Issue(_ca, "localhost", ServerAuth), verify: false, caPem: "garbage");

        var store = Store(settings);

        Assert.False(store.CreateServerOptions().ClientCertificateRequired);
        Assert.Null(store.Current.ClientCertificateAuthorities);
        Assert.Null(store.Validator);
    }

    [Fact]
    public void Load_MissingCert_HasDockerdsText()
    {
        var e = Assert.Throws<ConfigurationException>(() => TlsMaterial.Load(new DaemonSettings { Tls = true, TlsCert = "", TlsKey = "" }));
        Assert.Equal("invalid TLS configuration: could not load X509 key pair (cert: \"\", key: \"\"): open : no such file or directory", e.Message);
    }

    [Fact]
    public void Load_BadCa_HasDockerdsText()
    {
        var settings = Files(Issue(_ca, "localhost", ServerAuth), caPem: "garbage");
        var e = Assert.Throws<ConfigurationException>(() => Store(settings));
        Assert.Equal($"invalid TLS configuration: failed to append certificates from PEM file: \"{settings.TlsCaCert}\"", e.Message);
    }

    [Fact]
    public void Load_MissingCa_HasDockerdsText()
    {
        var settings = Files(Issue(_ca, "localhost", ServerAuth)) with { TlsCaCert = Path.Combine(_dir, "nope.pem") };
        var e = Assert.Throws<ConfigurationException>(() => Store(settings));
        Assert.Equal($"invalid TLS configuration: could not read CA certificate \"{settings.TlsCaCert}\": open {settings.TlsCaCert}: no such file or directory", e.Message);
    }

    [Fact]
    public void Reload_NewFiles_SwapsCertificate_BrokenFiles_KeepOld()
    {
        var settings = Files(Issue(_ca, "localhost", ServerAuth, serial: 1));
        var store = Store(settings);
        Assert.Equal("01", store.Current.Certificate.SerialNumber);

        Files(Issue(_ca, "localhost", ServerAuth, serial: 2));
        Assert.True(store.ReloadIfChanged(settings));
        Assert.Equal("02", store.Current.Certificate.SerialNumber);
        Assert.False(store.ReloadIfChanged(settings));

        File.WriteAllText(settings.TlsCert!, "broken, and a different size");
        Assert.False(store.Reload(settings, "test"));
        Assert.Equal("02", store.Current.Certificate.SerialNumber);
        Assert.Contains("TLS certificates not reloaded, keeping the current ones", _log.ToString());
    }

    private void WriteCrl(string path, int number, params X509Certificate2[] revoked)
    {
        var builder = new CertificateRevocationListBuilder();
        foreach (var c in revoked) builder.AddEntry(c);
        byte[] der = builder.Build(_ca, number, DateTimeOffset.UtcNow.AddDays(7), HashAlgorithmName.SHA256);
        File.WriteAllText(path, PemEncoding.WriteString("X509 CRL", der));
    }

    [Fact]
    public void Crl_ClientRevokedAfterStart_RefusedOnNextHandshake_OthersAccepted()
    {
        var alice = Issue(_ca, "alice", ClientAuth, serial: 5);
        var bob = Issue(_ca, "bob", ClientAuth, serial: 6);
        string crl = Path.Combine(_dir, "crl.pem");
        WriteCrl(crl, 1);
        var store = Store(Files(Issue(_ca, "localhost", ServerAuth, san: true)) with { TlsCrl = crl });
        var options = store.CreateServerOptions();
        Assert.True(options.RemoteCertificateValidationCallback!(this, alice, null, System.Net.Security.SslPolicyErrors.None));

        WriteCrl(crl, 2, alice);

        Assert.False(options.RemoteCertificateValidationCallback!(this, alice, null, System.Net.Security.SslPolicyErrors.None));
        Assert.True(store.Validator!.Validate(bob).Valid);
        Assert.Contains("TLS handshake refused: client certificate", _log.ToString());
        Assert.Contains("is revoked", _log.ToString());
    }

    [Fact]
    public void Crl_Sighup_NewGenerationReadsCurrentCrl_BrokenCrlKeepsOld()
    {
        var alice = Issue(_ca, "alice", ClientAuth, serial: 7);
        string crl = Path.Combine(_dir, "crl.pem");
        WriteCrl(crl, 1);
        var settings = Files(Issue(_ca, "localhost", ServerAuth, san: true)) with { TlsCrl = crl };
        var store = Store(settings);

        WriteCrl(crl, 2, alice);
        Assert.True(store.Reload(settings, "SIGHUP"));
        Assert.False(store.Validator!.Validate(alice).Valid);

        File.WriteAllText(crl, "-----BEGIN X509 CRL-----\nbroken\n-----END X509 CRL-----\n");
        Assert.False(store.Reload(settings, "SIGHUP"));
        Assert.False(store.Validator!.Validate(alice).Valid);
    }

    [Fact]
    public void Crl_SignedByAnotherCa_RefusesToStart()
    {
        string crl = Path.Combine(_dir, "crl.pem");
        var rogue = MakeCa("Rogue CA");
        var builder = new CertificateRevocationListBuilder();
        File.WriteAllText(crl, PemEncoding.WriteString("X509 CRL", builder.Build(rogue, 1, DateTimeOffset.UtcNow.AddDays(7), HashAlgorithmName.SHA256)));

        var e = Assert.Throws<ConfigurationException>(() => Store(Files(Issue(_ca, "localhost", ServerAuth)) with { TlsCrl = crl }));

        Assert.StartsWith("invalid TLS configuration: ", e.Message);
        Assert.Contains("is not signed by a trusted CA", e.Message);
    }

    [Fact]
    public void ServerCertificateExpiringWithin30Days_IsWarned_AtStartAndInInfo()
    {
        var store = Store(Files(Issue(_ca, "localhost", ServerAuth, DateTimeOffset.UtcNow.AddDays(10))));

        Assert.Contains("TLS server certificate", store.ExpiryWarning);
        Assert.Contains("moat pki server", store.ExpiryWarning);
        Assert.Contains("TLS server certificate", _log.ToString());
    }

    [Fact]
    public void ServerCertificateValidLonger_IsNotWarned()
    {
        var store = Store(Files(Issue(_ca, "localhost", ServerAuth, DateTimeOffset.UtcNow.AddDays(25).AddDays(20))));

        Assert.Null(store.ExpiryWarning);
    }

    public void Dispose() => Directory.Delete(_dir, true);
}
