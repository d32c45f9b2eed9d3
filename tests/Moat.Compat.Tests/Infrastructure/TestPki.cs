using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Moat.Compat.Tests.Infrastructure;

/// <summary>
/// Certificates for TLS tests, made with the openssl CLI as docs/transports.md tells users to: a CA, a server
/// certificate (SAN IP:127.0.0.1, DNS:localhost, serverAuth), a client certificate (clientAuth), a client from a
/// rogue CA, and an expired client (signed in-process with backdated validity, since openssl 3.0's x509 has no
/// -not_after and faketime is not wanted).
/// </summary>
public sealed class TestPki : IDisposable
{
    private readonly TempDir _dir = new("moat-pki");

    private TestPki() { }

    public string Dir => _dir.Path;
    public string CaCert => _dir.Combine("ca.pem");
    public string CaKey => _dir.Combine("ca-key.pem");
    public string ServerCert => _dir.Combine("server-cert.pem");
    public string ServerKey => _dir.Combine("server-key.pem");
    public string ClientCert => _dir.Combine("cert.pem");
    public string ClientKey => _dir.Combine("key.pem");
    public string RogueCert => _dir.Combine("rogue-cert.pem");
    public string RogueKey => _dir.Combine("rogue-key.pem");
    public string ExpiredCert => _dir.Combine("expired-cert.pem");
    public string ExpiredKey => _dir.Combine("expired-key.pem");

    public static async Task<TestPki> CreateAsync()
    {
        var pki = new TestPki();
        await pki.MakeCaAsync("ca", "Moat Test CA");
        await pki.IssueServerAsync(pki.ServerCert, pki.ServerKey, "1001");
        await pki.IssueAsync("ca", pki.ClientCert, pki.ClientKey, "alice", "2001", "extendedKeyUsage=clientAuth\n");
        await pki.MakeCaAsync("rogue-ca", "Rogue CA");
        await pki.IssueAsync("rogue-ca", pki.RogueCert, pki.RogueKey, "mallory", "3001", "extendedKeyUsage=clientAuth\n");
        pki.IssueExpiredClient();
        return pki;
    }

    /// <summary>Issues a server certificate with serial <paramref name="serialHex"/>, written atomically (temp + rename).</summary>
    public Task IssueServerAsync(string certPath, string keyPath, string serialHex) =>
        IssueAsync("ca", certPath, keyPath, "localhost", serialHex, "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n");

    private async Task MakeCaAsync(string name, string cn)
    {
        await OpensslAsync("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-keyout", _dir.Combine(name + "-key.pem"), "-out", _dir.Combine(name + ".pem"), "-days", "90", "-subj", "/CN=" + cn);
    }

    private async Task IssueAsync(string ca, string certPath, string keyPath, string cn, string serialHex, string extensions)
    {
        string work = _dir.Combine($"work-{Guid.NewGuid():N}");
        Directory.CreateDirectory(work);
        string key = Path.Combine(work, "key.pem"), csr = Path.Combine(work, "req.csr"), ext = Path.Combine(work, "ext.cnf"), cert = Path.Combine(work, "cert.pem");
        File.WriteAllText(ext, extensions);
        await OpensslAsync("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", key, "-out", csr, "-subj", "/CN=" + cn);
        await OpensslAsync("x509", "-req", "-in", csr, "-CA", _dir.Combine(ca + ".pem"), "-CAkey", _dir.Combine(ca + "-key.pem"),
            "-set_serial", "0x" + serialHex, "-days", "90", "-extfile", ext, "-out", cert);
        File.Move(key, keyPath, overwrite: true);
        File.Move(cert, certPath, overwrite: true);
        Directory.Delete(work, true);
    }

    private void IssueExpiredClient()
    {
        using var ca = X509Certificate2.CreateFromPemFile(CaCert, CaKey);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=expired", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.2")], false));
        var now = DateTimeOffset.UtcNow;
        // The generator overload: the issuer-based one refuses validity outside the CA's (which starts today).
        using var caKey = ca.GetECDsaPrivateKey()!;
        using var cert = request.Create(ca.SubjectName, X509SignatureGenerator.CreateForECDsa(caKey), now.AddDays(-10), now.AddDays(-1), [0x40, 0x01]);
        File.WriteAllText(ExpiredCert, cert.ExportCertificatePem());
        File.WriteAllText(ExpiredKey, key.ExportPkcs8PrivateKeyPem());
    }

    private static async Task OpensslAsync(params string[] args)
    {
        var result = await ProcessRunner.RunAsync("openssl", args, timeout: TimeSpan.FromSeconds(30));
        if (result.ExitCode != 0) throw new InvalidOperationException($"openssl {string.Join(' ', args)} failed: {result}");
    }

    /// <summary>docker CLI flags for mutual TLS with the given client pair (null: no client certificate).</summary>
    public string[] ClientFlags(string? cert, string? key)
    {
        var flags = new List<string> { "--tlsverify", "--tlscacert", CaCert };
        if (cert is not null) flags.AddRange(["--tlscert", cert, "--tlskey", key!]);
        return [.. flags];
    }

    /// <summary>moatd flags for TLS; <paramref name="verify"/> false is dockerd's `--tlsverify=false` (server auth only).</summary>
    public string[] DaemonFlags(bool verify = true) =>
        [verify ? "--tlsverify" : "--tlsverify=false", "--tlscacert", CaCert, "--tlscert", ServerCert, "--tlskey", ServerKey];

    public void Dispose() => _dir.Dispose();
}
