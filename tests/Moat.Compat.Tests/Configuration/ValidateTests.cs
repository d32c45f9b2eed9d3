using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Moat.Compat.Tests.Infrastructure;

namespace Moat.Compat.Tests.Configuration;

/// <summary><c>moatd --validate</c>, <c>--version</c> and <c>--help</c>.</summary>
public sealed class ValidateTests
{
    [Fact]
    public async Task Validate_GoodConfig_PrintsConfigurationOk()
    {
        using var dir = new TempDir("moatd-cfg");

        var r = await Moatd.RunAsync(dir, """
            {
              "debug": true,
              "log-level": "warn",
              "labels": ["env=test"],
              "default-ulimits": {"nofile": {"Name": "nofile", "Hard": 64000, "Soft": 64000}},
              "log-opts": {"max-size": "10m"},
              "live-restore": true,
              "icc": false
            }
            """, "--validate");

        Assert.Equal(0, r.ExitCode);
        Assert.Equal("configuration OK\n", r.Stderr);
        Assert.Equal("", r.Stdout);
        Assert.False(File.Exists(dir.Combine("moatd.pid")));
        Assert.False(File.Exists(dir.Combine("docker.sock")));
    }

    [Fact]
    public async Task Validate_Utf16Bom_Accepted()
    {
        using var dir = new TempDir("moatd-cfg");
        byte[] config = [0xFF, 0xFE, .. Encoding.Unicode.GetBytes("{\"debug\": true}")];

        var r = await Moatd.RunAsync(dir, config, ["--validate"]);

        Assert.Equal(0, r.ExitCode);
        Assert.Equal("configuration OK\n", r.Stderr);
    }

    [Fact]
    public async Task Validate_EmptyFile_Accepted()
    {
        using var dir = new TempDir("moatd-cfg");

        var r = await Moatd.RunAsync(dir, "  \n", "--validate");

        Assert.Equal(0, r.ExitCode);
        Assert.Equal("configuration OK\n", r.Stderr);
    }

    [Fact]
    public async Task Validate_BadConfig_Exit1WithError()
    {
        using var dir = new TempDir("moatd-cfg");

        var r = await Moatd.RunAsync(dir, "{\"log-format\": \"xml\"}", "--validate");

        Assert.Equal(1, r.ExitCode);
        Assert.Equal(Moatd.Wrapped(dir, "merged configuration validation from file and command line flags failed: invalid log format: xml"), r.Stderr);
    }

    [Fact]
    public async Task Validate_TlsWithoutCertificates_DockerdText()
    {
        using var dir = new TempDir("moatd-cfg");

        var r = await Moatd.RunAsync(dir, "{}", "--tlsverify=false", "--validate");

        Assert.Equal(1, r.ExitCode);
        Assert.Equal("invalid TLS configuration: could not load X509 key pair (cert: \"\", key: \"\"): open : no such file or directory\n", r.Stderr);
    }

    [Fact]
    public async Task Validate_TlsFilesInFile_LoadedAndChecked()
    {
        using var dir = new TempDir("moatd-cfg");
        var (ca, cert, key) = WriteCertificates(dir);

        var r = await Moatd.RunAsync(dir, $$"""
            {"tlsverify": true, "tlscacert": "{{ca}}", "tlscert": "{{cert}}", "tlskey": "{{key}}", "tls-min-version": "1.3"}
            """, "--validate");

        Assert.Equal(0, r.ExitCode);
        Assert.Equal("configuration OK\n", r.Stderr);
    }

    [Fact]
    public async Task Validate_TlsDefaultCertDirFromDockerCertPath()
    {
        using var dir = new TempDir("moatd-cfg");
        var (ca, cert, key) = WriteCertificates(dir);
        Directory.CreateDirectory(dir.Combine("certs"));
        File.Copy(ca, dir.Combine("certs", "ca.pem"));
        File.Copy(cert, dir.Combine("certs", "cert.pem"));
        File.Copy(key, dir.Combine("certs", "key.pem"));
        var args = new List<string> { "-H", "unix://" + dir.Combine("docker.sock"), "--config-file", Moatd.ConfigFile(dir), "--tlsverify", "--validate" };
        File.WriteAllText(Moatd.ConfigFile(dir), "{}");

        var r = await ProcessRunner.RunAsync(MoatDaemon.DaemonPath, args, env: new Dictionary<string, string?> { ["DOCKER_CERT_PATH"] = dir.Combine("certs"), ["HOME"] = dir.Combine("home") });

        Assert.Equal(0, r.ExitCode);
        Assert.Equal("configuration OK\n", r.Stderr);
    }

    [Fact]
    public async Task Validate_CaNotPem_DockerdText()
    {
        using var dir = new TempDir("moatd-cfg");
        var (_, cert, key) = WriteCertificates(dir);
        File.WriteAllText(dir.Combine("bad-ca.pem"), "nope");

        var r = await Moatd.RunAsync(dir, "{}", "--tlsverify", "--tlscacert", dir.Combine("bad-ca.pem"), "--tlscert", cert, "--tlskey", key, "--validate");

        Assert.Equal(1, r.ExitCode);
        Assert.Equal($"invalid TLS configuration: failed to append certificates from PEM file: \"{dir.Combine("bad-ca.pem")}\"\n", r.Stderr);
    }

    [Fact]
    public async Task Version_PrintsDockerStyleLine()
    {
        using var dir = new TempDir("moatd-cfg");

        var r = await Moatd.RunAsync(dir, (byte[]?)null, ["--version"], standardArgs: false);

        Assert.Equal(0, r.ExitCode);
        Assert.Equal("Docker version 28.2.2-moat, build moat\n", r.Stdout);
    }

    [Fact]
    public async Task Help_PrintsUsage()
    {
        using var dir = new TempDir("moatd-cfg");

        var r = await Moatd.RunAsync(dir, (byte[]?)null, ["--help"], standardArgs: false);

        Assert.Equal(0, r.ExitCode);
        Assert.StartsWith("Usage:\tmoatd [OPTIONS]\n", r.Stdout);
        Assert.Contains("  -H, --host list", r.Stdout);
        Assert.Contains("      --validate", r.Stdout);
    }

    private static (string Ca, string Cert, string Key) WriteCertificates(TempDir dir)
    {
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=moat compat CA", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        using var caCert = caRequest.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-2), DateTimeOffset.UtcNow.AddDays(60));
        using var serverKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var serverRequest = new CertificateRequest("CN=localhost", serverKey, HashAlgorithmName.SHA256);
        using var server = serverRequest.Create(caCert, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30), [7, 7, 7]);
        string ca = dir.Combine("ca.pem"), cert = dir.Combine("cert.pem"), key = dir.Combine("key.pem");
        File.WriteAllText(ca, caCert.ExportCertificatePem());
        File.WriteAllText(cert, server.ExportCertificatePem());
        File.WriteAllText(key, serverKey.ExportPkcs8PrivateKeyPem());
        return (ca, cert, key);
    }
}
