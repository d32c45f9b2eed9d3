using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Microsoft.AspNetCore.Server.Kestrel.Https;

namespace Moat.Api.Tests.Security;

/// <summary>Mutual TLS on real Kestrel: the verified client certificate's CN, O and OU decide, and the audit keeps serial and fingerprint.</summary>
public sealed class TlsIdentityTests
{
    private sealed class Pki : IDisposable
    {
        public Pki()
        {
            using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var caRequest = new CertificateRequest("CN=moat test CA", caKey, HashAlgorithmName.SHA256);
            caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
            caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign, true));
            Ca = caRequest.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddHours(1));
            Server = Issue("CN=localhost", server: true);
            Client = Issue("CN=carol, OU=ops, O=Example Corp", server: false);
        }

        public X509Certificate2 Ca { get; }
        public X509Certificate2 Server { get; }
        public X509Certificate2 Client { get; }

        private X509Certificate2 Issue(string subject, bool server)
        {
            using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
            request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(server ? "1.3.6.1.5.5.7.3.1" : "1.3.6.1.5.5.7.3.2")], false));
            if (server)
            {
                var san = new SubjectAlternativeNameBuilder();
                san.AddIpAddress(IPAddress.Loopback);
                san.AddDnsName("localhost");
                request.CertificateExtensions.Add(san.Build());
            }
            byte[] serial = RandomNumberGenerator.GetBytes(16);
            serial[0] &= 0x7F;
            using var cert = request.Create(Ca, DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddMinutes(50), serial);
            var withKey = cert.CopyWithPrivateKey(key);
            // Round-trip through PKCS#12 so the key is usable by SslStream on Linux.
            return X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), null);
        }

        public bool Verify(X509Certificate2 certificate)
        {
            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.Add(Ca);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            return chain.Build(certificate);
        }

        public void Dispose()
        {
            Ca.Dispose();
            Server.Dispose();
            Client.Dispose();
        }
    }

    private static async Task<(SecureApiHost Host, string Response)> CreateOverTlsAsync(Pki pki, bool trust)
    {
        var host = await SecureApiHost.StartAsync("""{"bindings":[{"role":"admin","groups":["ops"]}]}""", k =>
            k.Listen(IPAddress.Loopback, 0, l => l.UseHttps(new HttpsConnectionAdapterOptions
            {
                ServerCertificate = pki.Server,
                ClientCertificateMode = ClientCertificateMode.RequireCertificate,
                ClientCertificateValidation = (cert, _, _) => pki.Verify(cert),
            })), trust);

        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, host.TlsPort, TestContext.Current.CancellationToken);
        await using var tls = new SslStream(tcp.GetStream());
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = "localhost",
            ClientCertificates = [pki.Client],
            RemoteCertificateValidationCallback = (_, cert, _, _) => cert is X509Certificate2 c && pki.Verify(c),
        }, TestContext.Current.CancellationToken);
        await tls.WriteAsync(Encoding.ASCII.GetBytes(RawHttp.Post("/v1.50/containers/create", """{"Image":"busybox","HostConfig":{"Privileged":true}}""")), TestContext.Current.CancellationToken);
        string response = await new StreamReader(tls).ReadToEndAsync(TestContext.Current.CancellationToken);
        return (host, response);
    }

    [Fact]
    public async Task MutualTls_CertificateGroupsBindRole_AuditKeepsSerialAndFingerprint()
    {
        using var pki = new Pki();
        var (host, response) = await CreateOverTlsAsync(pki, trust: true);
        await using var _ = host;

        Assert.StartsWith("HTTP/1.1 201", response);
        Assert.Contains("\"Owner\":\"carol\"", response);
        string log = File.ReadAllText(host.AuditPath);
        string fingerprint = Convert.ToHexStringLower(SHA256.HashData(pki.Client.RawData));
        Assert.True(log.Contains($"\"user\":\"carol\",\"groups\":[\"ops\",\"Example Corp\"],\"auth\":\"tls\",\"cert_serial\":\"{pki.Client.SerialNumber.ToLowerInvariant()}\",\"cert_sha256\":\"{fingerprint}\",\"transport\":\"tls\",\"remote\":\"127.0.0.1:"), log);
        Assert.Contains("\"rule\":\"role admin allows container.create\"", log);
    }

    [Fact]
    public async Task Tls_CertificatesNotVerifiedByListener_CallerStaysAnonymous()
    {
        using var pki = new Pki();
        var (host, response) = await CreateOverTlsAsync(pki, trust: false);
        await using var _ = host;

        Assert.StartsWith("HTTP/1.1 403", response);
        Assert.Contains("authorization denied by policy: anonymous caller has no role", response);
        Assert.Contains("\"user\":\"anonymous\",\"auth\":\"none\",\"transport\":\"tls\"", File.ReadAllText(host.AuditPath));
    }
}
