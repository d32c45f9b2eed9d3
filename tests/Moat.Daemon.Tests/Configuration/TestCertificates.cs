using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Moat.Daemon.Tests.Configuration;

/// <summary>A CA and a server certificate signed by it, written as PEM files; made at test time.</summary>
internal sealed class TestCertificates
{
    public TestCertificates(ConfigTestDir dir)
    {
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=moat test CA", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        using var ca = caRequest.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-2), DateTimeOffset.UtcNow.AddDays(60));

        using var serverKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var serverRequest = new CertificateRequest("CN=localhost", serverKey, HashAlgorithmName.SHA256);
        using var server = serverRequest.Create(ca, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30), [1, 2, 3, 4]);

        using var otherKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);

        CaFile = dir.Write("tls/ca.pem", ca.ExportCertificatePem());
        CertFile = dir.Write("tls/cert.pem", server.ExportCertificatePem());
        KeyFile = dir.Write("tls/key.pem", serverKey.ExportPkcs8PrivateKeyPem());
        OtherKeyFile = dir.Write("tls/other-key.pem", otherKey.ExportPkcs8PrivateKeyPem());
        GarbageFile = dir.Write("tls/garbage.pem", "not a certificate\n");

        var crl = new CertificateRevocationListBuilder();
        crl.AddEntry([9, 9, 9]);
        byte[] der = crl.Build(ca, 1, DateTimeOffset.UtcNow.AddDays(7), HashAlgorithmName.SHA256);
        CrlFile = dir.Write("tls/crl.pem", PemEncoding.WriteString("X509 CRL", der));
        File.WriteAllBytes(dir.Combine("tls/crl.der"), der);
        CrlDerFile = dir.Combine("tls/crl.der");
    }

    public string CaFile { get; }
    public string CertFile { get; }
    public string KeyFile { get; }
    public string OtherKeyFile { get; }
    public string GarbageFile { get; }
    public string CrlFile { get; }
    public string CrlDerFile { get; }
}
