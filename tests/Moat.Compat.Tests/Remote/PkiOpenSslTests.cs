using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Moat.Compat.Tests.Infrastructure;

namespace Moat.Compat.Tests.Remote;

/// <summary>Certificates from the real `moat pki` checked by OpenSSL (and curl): chains, extensions, CRL, file modes.</summary>
public sealed class PkiOpenSslTests
{
    [Fact]
    public async Task OpenSslVerify_ServerAndClientCertificates_Pass()
    {
        using var dir = new TempDir("moat-pki");
        await MoatCli.MakePkiAsync(dir.Path, "alice");

        var result = await MoatCli.OpenSslAsync("verify", "-CAfile", dir.Combine("ca", "ca.pem"), dir.Combine("ca", "server-cert.pem"), dir.Combine("alice", "cert.pem"));

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("server-cert.pem: OK", result.Stdout);
        Assert.Contains("cert.pem: OK", result.Stdout);
    }

    [Theory]
    [InlineData("rsa")]
    [InlineData("ed25519")]
    public async Task OpenSslVerify_OtherCaAlgorithms_Pass(string algorithm)
    {
        using var dir = new TempDir("moat-pki");
        await MoatCli.OkAsync("pki", "init", "--dir", dir.Combine("ca"), "--algorithm", algorithm);
        await MoatCli.OkAsync("pki", "server", "--dir", dir.Combine("ca"), "--name", "localhost");
        await MoatCli.OkAsync("pki", "client", "bob", "--out", dir.Combine("bob"), "--dir", dir.Combine("ca"), "--algorithm", algorithm);

        var result = await MoatCli.OpenSslAsync("verify", "-CAfile", dir.Combine("ca", "ca.pem"), dir.Combine("ca", "server-cert.pem"), dir.Combine("bob", "cert.pem"));
        var key = await MoatCli.OpenSslAsync("pkey", "-in", dir.Combine("bob", "key.pem"), "-noout", "-text");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.True(key.ExitCode == 0, key.ToString());
    }

    [Fact]
    public async Task OpenSslX509_ServerShowsSansAndServerAuth_ClientShowsNameGroupsAndClientAuth()
    {
        using var dir = new TempDir("moat-pki");
        await MoatCli.OkAsync("pki", "init", "--dir", dir.Combine("ca"));
        await MoatCli.OkAsync("pki", "server", "--dir", dir.Combine("ca"), "--name", "moat.example", "--name", "localhost", "--ip", "127.0.0.1", "--ip", "::1");
        await MoatCli.OkAsync("pki", "client", "alice", "--group", "dev", "--group", "ops", "--out", dir.Combine("alice"), "--dir", dir.Combine("ca"));

        var server = await MoatCli.OpenSslAsync("x509", "-in", dir.Combine("ca", "server-cert.pem"), "-noout", "-subject", "-ext", "subjectAltName,extendedKeyUsage,basicConstraints,keyUsage");
        var client = await MoatCli.OpenSslAsync("x509", "-in", dir.Combine("alice", "cert.pem"), "-noout", "-subject", "-ext", "extendedKeyUsage");
        var ca = await MoatCli.OpenSslAsync("x509", "-in", dir.Combine("ca", "ca.pem"), "-noout", "-ext", "basicConstraints,keyUsage");

        Assert.True(server.ExitCode == 0, server.ToString());
        Assert.Contains("subject=CN = moat.example", server.Stdout);
        Assert.Contains("DNS:moat.example, DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1", server.Stdout);
        Assert.Contains("TLS Web Server Authentication", server.Stdout);
        Assert.Contains("CA:FALSE", server.Stdout);
        Assert.Contains("Digital Signature", server.Stdout);
        Assert.Contains("subject=O = dev, O = ops, CN = alice", client.Stdout);
        Assert.Contains("TLS Web Client Authentication", client.Stdout);
        Assert.DoesNotContain("Server Authentication", client.Stdout);
        Assert.Contains("CA:TRUE, pathlen:0", ca.Stdout);
        Assert.Contains("Certificate Sign, CRL Sign", ca.Stdout);
    }

    [Fact]
    public async Task OpenSslCrl_AfterRevoke_ListsTheSerialAndVerifyFailsForIt()
    {
        using var dir = new TempDir("moat-pki");
        await MoatCli.MakePkiAsync(dir.Path, "alice", "bob");
        var serial = (await MoatCli.OpenSslAsync("x509", "-in", dir.Combine("alice", "cert.pem"), "-noout", "-serial")).Stdout.Trim()["serial=".Length..];

        var revoke = await MoatCli.OkAsync("pki", "revoke", "alice", "--dir", dir.Combine("ca"));
        var crl = await MoatCli.OpenSslAsync("crl", "-in", dir.Combine("ca", "crl.pem"), "-noout", "-text", "-CAfile", dir.Combine("ca", "ca.pem"));
        var alice = await MoatCli.OpenSslAsync("verify", "-crl_check", "-CRLfile", dir.Combine("ca", "crl.pem"), "-CAfile", dir.Combine("ca", "ca.pem"), dir.Combine("alice", "cert.pem"));
        var bob = await MoatCli.OpenSslAsync("verify", "-crl_check", "-CRLfile", dir.Combine("ca", "crl.pem"), "-CAfile", dir.Combine("ca", "ca.pem"), dir.Combine("bob", "cert.pem"));

        Assert.Contains(serial, revoke.Stdout);
        Assert.True(crl.ExitCode == 0, crl.ToString());
        Assert.Contains("verify OK", crl.Stderr + crl.Stdout);
        Assert.Contains($"Serial Number: {serial}", crl.Stdout);
        Assert.Contains("X509v3 CRL Number", crl.Stdout);
        Assert.NotEqual(0, alice.ExitCode);
        Assert.Contains("certificate revoked", alice.Stdout + alice.Stderr);
        Assert.True(bob.ExitCode == 0, bob.ToString());
    }

    [Fact]
    public async Task PkiList_AfterRevoke_ShowsRevocationDate()
    {
        using var dir = new TempDir("moat-pki");
        await MoatCli.MakePkiAsync(dir.Path, "alice");
        await MoatCli.OkAsync("pki", "revoke", "alice", "--dir", dir.Combine("ca"));

        var list = await MoatCli.OkAsync("pki", "list", "--dir", dir.Combine("ca"));

        var alice = list.Stdout.Split('\n').Single(l => l.Contains("CN=alice"));
        Assert.Matches(@"client\s+CN=alice, O=dev\s+dev\s+\S+ \S+Z\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ$", alice);
    }

    [Fact]
    public async Task FileModes_KeysReadOnlyOwnerCertsReadOnlyDirectoryPrivate()
    {
        using var dir = new TempDir("moat-pki");
        await MoatCli.MakePkiAsync(dir.Path, "alice");

        var stat = await ProcessRunner.RunAsync("stat", ["-c", "%a %n",
            dir.Combine("ca"), dir.Combine("ca", "ca-key.pem"), dir.Combine("ca", "ca.pem"), dir.Combine("ca", "server-key.pem"),
            dir.Combine("ca", "server-cert.pem"), dir.Combine("ca", "crl.pem"), dir.Combine("alice"), dir.Combine("alice", "key.pem"),
            dir.Combine("alice", "cert.pem"), dir.Combine("alice", "ca.pem")]);

        Assert.Equal(
            [$"700 {dir.Combine("ca")}", $"400 {dir.Combine("ca", "ca-key.pem")}", $"444 {dir.Combine("ca", "ca.pem")}",
             $"400 {dir.Combine("ca", "server-key.pem")}", $"444 {dir.Combine("ca", "server-cert.pem")}", $"444 {dir.Combine("ca", "crl.pem")}",
             $"700 {dir.Combine("alice")}", $"400 {dir.Combine("alice", "key.pem")}", $"444 {dir.Combine("alice", "cert.pem")}",
             $"444 {dir.Combine("alice", "ca.pem")}"],
            stat.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public async Task Curl_WithClientCertificate_CompletesMutualTlsWithOpenSslServer()
    {
        using var dir = new TempDir("moat-pki");
        await MoatCli.MakePkiAsync(dir.Path, "alice");
        int port = FreePort();
        // openssl s_server demands a client certificate signed by the CA (-Verify) and echoes the session as HTML (-www).
        var psi = new ProcessStartInfo("openssl", ["s_server", "-accept", $"127.0.0.1:{port}", "-www", "-Verify", "1", "-verify_return_error",
            "-cert", dir.Combine("ca", "server-cert.pem"), "-key", dir.Combine("ca", "server-key.pem"), "-CAfile", dir.Combine("ca", "ca.pem")])
        { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        using var server = Process.Start(psi)!;
        try
        {
            await WaitForPortAsync(port);
            string url = $"https://localhost:{port}/";

            var ok = await ProcessRunner.RunAsync("curl", ["-sS", "--max-time", "10", "--cacert", dir.Combine("alice", "ca.pem"),
                "--cert", dir.Combine("alice", "cert.pem"), "--key", dir.Combine("alice", "key.pem"), url]);
            var noCert = await ProcessRunner.RunAsync("curl", ["-sS", "--max-time", "10", "--cacert", dir.Combine("alice", "ca.pem"), url]);

            Assert.True(ok.ExitCode == 0, ok.ToString());
            Assert.Contains("Client certificate", ok.Stdout);
            Assert.Contains("Subject: O=dev, CN=alice", ok.Stdout);
            Assert.NotEqual(0, noCert.ExitCode);
        }
        finally
        {
            server.Kill();
            await server.WaitForExitAsync(TestContext.Current.CancellationToken);
        }
    }

    internal static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    internal static async Task WaitForPortAsync(int port)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (true)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port);
                return;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(50);
            }
        }
    }
}
