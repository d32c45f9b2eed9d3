using System.Security.Cryptography.X509Certificates;
using Moat.Compat.Tests.Infrastructure;

namespace Moat.Compat.Tests.Transport;

/// <summary>TLS and mutual TLS with the real docker CLI and openssl, including the refusals.</summary>
public sealed class TlsTests : IAsyncLifetime
{
    private TestPki _pki = null!;

    public async ValueTask InitializeAsync() => _pki = await TestPki.CreateAsync();

    public ValueTask DisposeAsync()
    {
        _pki.Dispose();
        return ValueTask.CompletedTask;
    }

    private async Task<(MoatDaemon Daemon, int Port)> StartTlsAsync(bool verify = true)
    {
        int port = RawHttp.FreeTcpPort();
        var daemon = await MoatDaemon.StartAsync(args: ["-H", $"tcp://127.0.0.1:{port}", .. _pki.DaemonFlags(verify)]);
        return (daemon, port);
    }

    private Task<CliResult> DockerAsync(int port, string[] tlsFlags, params string[] args) =>
        DockerCli.RunAsync($"tcp://127.0.0.1:{port}", [.. tlsFlags, .. args], timeout: TimeSpan.FromSeconds(30));

    [Fact]
    public async Task MutualTls_DockerVersion_Works()
    {
        var (daemon, port) = await StartTlsAsync();
        await using var _ = daemon;

        var result = await DockerAsync(port, _pki.ClientFlags(_pki.ClientCert, _pki.ClientKey), "version", "--format", "{{.Server.Version}}");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("28.2.2-moat", result.Stdout.Trim());
        Assert.DoesNotContain("Binding to IP address without --tlsverify", daemon.Output);
    }

    [Fact]
    public async Task MutualTls_ByDnsName_Works()
    {
        var (daemon, port) = await StartTlsAsync();
        await using var _ = daemon;

        var result = await DockerCli.RunAsync($"tcp://localhost:{port}", [.. _pki.ClientFlags(_pki.ClientCert, _pki.ClientKey), "version", "--format", "{{.Server.Os}}"]);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("linux", result.Stdout.Trim());
    }

    [Fact]
    public async Task MutualTls_NoClientCertificate_IsRefused()
    {
        var (daemon, port) = await StartTlsAsync();
        await using var _ = daemon;

        var result = await DockerAsync(port, _pki.ClientFlags(null, null), "version", "--format", "{{.Server.Version}}");

        Assert.NotEqual(0, result.ExitCode);
        Assert.DoesNotContain("28.2.2-moat", result.Stdout);
    }

    [Fact]
    public async Task MutualTls_ClientFromAnotherCa_IsRefused()
    {
        var (daemon, port) = await StartTlsAsync();
        await using var _ = daemon;

        var result = await DockerAsync(port, _pki.ClientFlags(_pki.RogueCert, _pki.RogueKey), "version", "--format", "{{.Server.Version}}");

        Assert.NotEqual(0, result.ExitCode);
        Assert.DoesNotContain("28.2.2-moat", result.Stdout);
    }

    [Fact]
    public async Task MutualTls_ExpiredClientCertificate_IsRefused()
    {
        var (daemon, port) = await StartTlsAsync();
        await using var _ = daemon;

        var result = await DockerAsync(port, _pki.ClientFlags(_pki.ExpiredCert, _pki.ExpiredKey), "version", "--format", "{{.Server.Version}}");

        Assert.NotEqual(0, result.ExitCode);
        Assert.DoesNotContain("28.2.2-moat", result.Stdout);
    }

    [Fact]
    public async Task MutualTls_RogueClient_RefusedWithOpensslToo()
    {
        var (daemon, port) = await StartTlsAsync();
        await using var _ = daemon;

        // .NET validates the client after the TLS 1.2 handshake, so look at what an HTTP request gets back.
        Task<CliResult> Request(string cert, string key) => ProcessRunner.RunAsync("openssl", ["s_client", "-connect", $"127.0.0.1:{port}",
            "-tls1_2", "-quiet", "-ign_eof", "-CAfile", _pki.CaCert, "-cert", cert, "-key", key],
            stdin: "GET /_ping HTTP/1.0\r\nHost: localhost\r\n\r\n", timeout: TimeSpan.FromSeconds(20));
        var good = await Request(_pki.ClientCert, _pki.ClientKey);
        var rogue = await Request(_pki.RogueCert, _pki.RogueKey);

        Assert.Contains("HTTP/1.1 200 OK", good.Stdout);
        Assert.DoesNotContain("HTTP/1.1 200", rogue.Stdout);
    }

    [Fact]
    public async Task ServerAuthOnly_DockerVersion_Works_AndWarns()
    {
        var (daemon, port) = await StartTlsAsync(verify: false);
        await using var _ = daemon;

        var result = await DockerAsync(port, ["--tlsverify", "--tlscacert", _pki.CaCert], "version", "--format", "{{.Server.Version}}");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("28.2.2-moat", result.Stdout.Trim());
        Assert.Contains("Binding to IP address without --tlsverify is insecure", daemon.Output);
    }

    [Fact]
    public async Task PlainHttpToTlsPort_GetsGosAnswer()
    {
        var (daemon, port) = await StartTlsAsync();
        await using var _ = daemon;
        await using var raw = await RawHttp.ConnectTcpAsync(port);

        string response = await raw.SendRawAndReadToEndAsync("GET /_ping HTTP/1.1\r\nHost: x\r\n\r\n", TimeSpan.FromSeconds(10));

        Assert.Equal("HTTP/1.0 400 Bad Request\r\n\r\nClient sent an HTTP request to an HTTPS server.\n", response);
    }

    [Fact]
    public async Task DockerCliWithoutTls_ToTlsPort_Fails()
    {
        var (daemon, port) = await StartTlsAsync();
        await using var _ = daemon;

        var result = await DockerAsync(port, [], "version", "--format", "{{.Server.Version}}");

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("Client sent an HTTP request to an HTTPS server", result.Stderr);
    }

    [Fact]
    public async Task Tls12_CbcCipher_IsRefused_GcmAccepted()
    {
        var (daemon, port) = await StartTlsAsync();
        await using var _ = daemon;
        string[] common = ["s_client", "-connect", $"127.0.0.1:{port}", "-tls1_2", "-CAfile", _pki.CaCert, "-cert", _pki.ClientCert, "-key", _pki.ClientKey];

        var cbc = await ProcessRunner.RunAsync("openssl", [.. common, "-cipher", "ECDHE-ECDSA-AES128-SHA"], stdin: "", timeout: TimeSpan.FromSeconds(20));
        var gcm = await ProcessRunner.RunAsync("openssl", [.. common, "-cipher", "ECDHE-ECDSA-AES128-GCM-SHA256"], stdin: "", timeout: TimeSpan.FromSeconds(20));

        Assert.NotEqual(0, cbc.ExitCode);
        Assert.Contains("Cipher is ECDHE-ECDSA-AES128-GCM-SHA256", gcm.Stdout);
    }

    [Fact]
    public async Task Tls11_IsRefused()
    {
        var (daemon, port) = await StartTlsAsync();
        await using var _ = daemon;

        var result = await ProcessRunner.RunAsync("openssl", ["s_client", "-connect", $"127.0.0.1:{port}", "-tls1_1", "-CAfile", _pki.CaCert], stdin: "", timeout: TimeSpan.FromSeconds(20));

        Assert.NotEqual(0, result.ExitCode);
    }

    [Fact]
    public async Task Alpn_OffersHttp11Only()
    {
        var (daemon, port) = await StartTlsAsync();
        await using var _ = daemon;

        var result = await ProcessRunner.RunAsync("openssl", ["s_client", "-connect", $"127.0.0.1:{port}", "-alpn", "h2,http/1.1",
            "-CAfile", _pki.CaCert, "-cert", _pki.ClientCert, "-key", _pki.ClientKey], stdin: "", timeout: TimeSpan.FromSeconds(20));

        Assert.Contains("ALPN protocol: http/1.1", result.Stdout);
    }

    [Fact]
    public async Task MissingCertificate_RefusesToStart_WithDockerdsText()
    {
        using var dir = new TempDir("moatd-nocert");
        string missing = dir.Combine("nope.pem");

        await using var daemon = MoatDaemon.Launch(dir, null,
            ["-H", $"tcp://127.0.0.1:{RawHttp.FreeTcpPort()}", "--tlsverify", "--tlscacert", _pki.CaCert, "--tlscert", missing, "--tlskey", _pki.ServerKey]);
        int code = await daemon.WaitForExitAsync(TimeSpan.FromSeconds(20));

        Assert.Equal(1, code);
        Assert.Contains($"invalid TLS configuration: could not load X509 key pair (cert: \"{missing}\", key: \"{_pki.ServerKey}\"): open {missing}: no such file or directory", daemon.Output);
        Assert.False(File.Exists(daemon.PidFile));
    }

    [Fact]
    public async Task MismatchedKey_RefusesToStart()
    {
        using var dir = new TempDir("moatd-badkey");

        await using var daemon = MoatDaemon.Launch(dir, null,
            ["-H", $"tcp://127.0.0.1:{RawHttp.FreeTcpPort()}", "--tlsverify", "--tlscacert", _pki.CaCert, "--tlscert", _pki.ServerCert, "--tlskey", _pki.ClientKey]);
        int code = await daemon.WaitForExitAsync(TimeSpan.FromSeconds(20));

        Assert.Equal(1, code);
        Assert.Contains("invalid TLS configuration: error reading X509 key pair - make sure the key is not encrypted", daemon.Output);
    }

    [Fact]
    public async Task BadCaFile_RefusesToStart()
    {
        using var dir = new TempDir("moatd-badca");
        string ca = dir.Combine("ca.pem");
        Directory.CreateDirectory(dir.Path);
        File.WriteAllText(ca, "not a certificate");

        await using var daemon = MoatDaemon.Launch(dir, null,
            ["-H", $"tcp://127.0.0.1:{RawHttp.FreeTcpPort()}", "--tlsverify", "--tlscacert", ca, "--tlscert", _pki.ServerCert, "--tlskey", _pki.ServerKey]);
        int code = await daemon.WaitForExitAsync(TimeSpan.FromSeconds(20));

        Assert.Equal(1, code);
        Assert.Contains($"invalid TLS configuration: failed to append certificates from PEM file: \"{ca}\"", daemon.Output);
    }

    [Fact]
    public async Task Sighup_RotatesServerCertificate_ExistingConnectionKeepsWorking()
    {
        var (daemon, port) = await StartTlsAsync();
        await using var _ = daemon;
        await using var old = await RawHttp.ConnectTlsAsync(port, _pki.CaCert, _pki.ClientCert, _pki.ClientKey);
        Assert.Equal((200, "OK"), await old.GetAsync("/_ping"));
        Assert.Equal("1001", old.ServerCertificate!.SerialNumber);

        await _pki.IssueServerAsync(_pki.ServerCert, _pki.ServerKey, "1002");
        daemon.Signal(1);
        await WaitForOutputAsync(daemon, "TLS certificates reloaded (SIGHUP): serial 1002");

        Assert.Equal("1002", await FreshServerSerialAsync(port));
        Assert.Equal((200, "OK"), await old.GetAsync("/_ping"));
        Assert.Contains("Got signal to reload configuration", daemon.Output);
    }

    [Fact]
    public async Task CertificateFilesChanged_AreReloadedWithoutSignal()
    {
        var (daemon, port) = await StartTlsAsync();
        await using var _ = daemon;

        await _pki.IssueServerAsync(_pki.ServerCert, _pki.ServerKey, "1003");
        await WaitForOutputAsync(daemon, "serial 1003");

        Assert.Equal("1003", await FreshServerSerialAsync(port));
    }

    [Fact]
    public async Task BrokenNewCertificate_KeepsOldOne()
    {
        var (daemon, port) = await StartTlsAsync();
        await using var _ = daemon;

        File.WriteAllText(_pki.ServerCert + ".tmp", "-----BEGIN CERTIFICATE-----\nbroken\n-----END CERTIFICATE-----\n");
        File.Move(_pki.ServerCert + ".tmp", _pki.ServerCert, overwrite: true);
        daemon.Signal(1);
        await WaitForOutputAsync(daemon, "TLS certificates not reloaded, keeping the current ones");

        Assert.Equal("1001", await FreshServerSerialAsync(port));
        var result = await DockerAsync(port, _pki.ClientFlags(_pki.ClientCert, _pki.ClientKey), "version", "--format", "{{.Server.Version}}");
        Assert.True(result.ExitCode == 0, result.ToString());
    }

    /// <summary>A new handshake with `openssl s_client`; returns the serial of the certificate the server presented.</summary>
    private async Task<string> FreshServerSerialAsync(int port)
    {
        var result = await ProcessRunner.RunAsync("openssl", ["s_client", "-connect", $"127.0.0.1:{port}", "-servername", "localhost",
            "-CAfile", _pki.CaCert, "-cert", _pki.ClientCert, "-key", _pki.ClientKey], stdin: "", timeout: TimeSpan.FromSeconds(20));
        string output = result.Stdout;
        int begin = output.IndexOf("-----BEGIN CERTIFICATE-----", StringComparison.Ordinal);
        int end = output.IndexOf("-----END CERTIFICATE-----", StringComparison.Ordinal);
        Assert.True(begin >= 0 && end > begin, result.ToString());
        using var cert = X509Certificate2.CreateFromPem(output.AsSpan(begin, end + "-----END CERTIFICATE-----".Length - begin));
        return cert.SerialNumber;
    }

    private static async Task WaitForOutputAsync(MoatDaemon daemon, string text)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (!daemon.Output.Contains(text, StringComparison.Ordinal))
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"daemon never logged \"{text}\":\n{daemon.Output}");
            await Task.Delay(50);
        }
    }
}
