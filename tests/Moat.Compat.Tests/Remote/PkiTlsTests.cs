using System.Text.Json;
using Moat.Compat.Tests.Infrastructure;

namespace Moat.Compat.Tests.Remote;

/// <summary>
/// The real docker CLI over mutual TLS against moatd, with certificates from `moat pki`:
/// moatd runs with `--tlsverify --tlscacert --tlscert --tlskey -H tcp://127.0.0.1:PORT` and daemon.json "tlscrl".
/// </summary>
public sealed class PkiTlsTests
{
    private sealed class TlsSetup : IAsyncDisposable
    {
        public required TempDir Dir { get; init; }
        public required MoatDaemon Daemon { get; init; }
        public required int Port { get; init; }
        public string TcpHost => $"tcp://127.0.0.1:{Port}";

        /// <summary>The docker CLI with a client directory as DOCKER_CERT_PATH (ca.pem, cert.pem, key.pem), as `moat pki client` prints.</summary>
        public Task<CliResult> DockerAsAsync(string clientDir, params string[] args) =>
            DockerCli.RunAsync(TcpHost, args, env: new Dictionary<string, string?> { ["DOCKER_TLS_VERIFY"] = "1", ["DOCKER_CERT_PATH"] = clientDir });

        public async ValueTask DisposeAsync()
        {
            await Daemon.DisposeAsync();
            Dir.Dispose();
        }
    }

    /// <summary>A PKI with clients alice and bob, and moatd serving mutual TLS on a free loopback port.</summary>
    private static async Task<TlsSetup> StartAsync(int serverDays = 825)
    {
        var dir = new TempDir("moat-pki-tls");
        try
        {
            string ca = dir.Combine("ca");
            await MoatCli.OkAsync("pki", "init", "--dir", ca);
            await MoatCli.OkAsync("pki", "server", "--dir", ca, "--name", "localhost", "--ip", "127.0.0.1", "--days", serverDays.ToString());
            foreach (var client in new[] { "alice", "bob" })
                await MoatCli.OkAsync("pki", "client", client, "--group", "dev", "--out", dir.Combine(client), "--dir", ca);
            int port = PkiOpenSslTests.FreePort();
            string config = JsonSerializer.Serialize(new Dictionary<string, string> { ["tlscrl"] = Path.Combine(ca, "crl.pem") });
            var daemon = await MoatDaemon.StartAsync(config, [
                "--tlsverify",
                "--tlscacert", Path.Combine(ca, "ca.pem"),
                "--tlscert", Path.Combine(ca, "server-cert.pem"),
                "--tlskey", Path.Combine(ca, "server-key.pem"),
                "-H", $"tcp://127.0.0.1:{port}"]);
            await PkiOpenSslTests.WaitForPortAsync(port);
            return new TlsSetup { Dir = dir, Daemon = daemon, Port = port };
        }
        catch
        {
            dir.Dispose();
            throw;
        }
    }

    [Fact]
    public async Task DockerCli_ClientCertificateFromMoatPki_WorksOverMutualTls()
    {
        await using var s = await StartAsync();

        var result = await s.DockerAsAsync(s.Dir.Combine("alice"), "version", "--format", "{{.Server.APIVersion}}");

        Assert.True(result.ExitCode == 0, $"{result}\nmoatd:\n{s.Daemon.Output}");
        Assert.Equal("1.51", result.Stdout.Trim());
    }

    [Fact]
    public async Task DockerContext_AsPrintedByPkiClient_Works()
    {
        await using var s = await StartAsync();
        var printed = await MoatCli.OkAsync("pki", "client", "carol", "--out", s.Dir.Combine("carol"), "--dir", s.Dir.Combine("ca"), "--host", $"127.0.0.1:{s.Port}");
        string line = printed.Stdout.Split('\n').Single(l => l.TrimStart().StartsWith("docker context create", StringComparison.Ordinal)).Trim();
        string name = line.Split(' ')[3];
        string docker = line[(line.IndexOf("--docker \"", StringComparison.Ordinal) + 10)..^1];
        try
        {
            var create = await DockerCli.RunAsync("", ["context", "create", name, "--docker", docker]);
            Assert.True(create.ExitCode == 0, create.ToString());

            var result = await DockerCli.RunAsync("", ["--context", name, "version", "--format", "{{.Server.APIVersion}}"]);

            Assert.True(result.ExitCode == 0, $"{result}\nmoatd:\n{s.Daemon.Output}");
        }
        finally
        {
            await DockerCli.RunAsync("", ["context", "rm", "-f", name]);
        }
    }

    [Fact]
    public async Task RevokedClient_RefusedAfterPkiRevoke_WithoutRestartingMoatd()
    {
        await using var s = await StartAsync();
        int pid = s.Daemon.Pid;
        Assert.Equal(0, (await s.DockerAsAsync(s.Dir.Combine("alice"), "version")).ExitCode);

        await MoatCli.OkAsync("pki", "revoke", "alice", "--dir", s.Dir.Combine("ca"));
        var alice = await s.DockerAsAsync(s.Dir.Combine("alice"), "version", "--format", "{{.Server.APIVersion}}");
        var bob = await s.DockerAsAsync(s.Dir.Combine("bob"), "version", "--format", "{{.Server.APIVersion}}");

        Assert.NotEqual(0, alice.ExitCode);
        Assert.DoesNotContain("1.51", alice.Stdout);
        Assert.True(bob.ExitCode == 0, bob.ToString());
        Assert.False(s.Daemon.HasExited);
        Assert.Equal(pid, s.Daemon.Pid);
    }

    [Fact]
    public async Task ExpiredClient_Refused()
    {
        await using var s = await StartAsync();
        await MoatCli.OkAsync("pki", "client", "old", "--out", s.Dir.Combine("old"), "--dir", s.Dir.Combine("ca"),
            "--not-before", "2020-01-01T00:00:00Z", "--days", "1");

        var result = await s.DockerAsAsync(s.Dir.Combine("old"), "version", "--format", "{{.Server.APIVersion}}");

        Assert.NotEqual(0, result.ExitCode);
        Assert.DoesNotContain("1.51", result.Stdout);
    }

    [Fact]
    public async Task ClientOfAnotherCa_Refused()
    {
        await using var s = await StartAsync();
        string other = s.Dir.Combine("other-ca");
        await MoatCli.OkAsync("pki", "init", "--dir", other);
        await MoatCli.OkAsync("pki", "client", "mallory", "--out", s.Dir.Combine("mallory"), "--dir", other);
        // mallory trusts the real server's CA, so only her own certificate can fail the handshake.
        File.Delete(s.Dir.Combine("mallory", "ca.pem"));
        File.Copy(s.Dir.Combine("ca", "ca.pem"), s.Dir.Combine("mallory", "ca.pem"));

        var result = await s.DockerAsAsync(s.Dir.Combine("mallory"), "version", "--format", "{{.Server.APIVersion}}");

        Assert.NotEqual(0, result.ExitCode);
        Assert.DoesNotContain("1.51", result.Stdout);
    }

    [Fact]
    public async Task NoClientCertificate_Refused()
    {
        await using var s = await StartAsync();
        string noCert = s.Dir.Combine("nocert");
        Directory.CreateDirectory(noCert);
        File.Copy(s.Dir.Combine("ca", "ca.pem"), Path.Combine(noCert, "ca.pem"));

        var result = await DockerCli.RunAsync(s.TcpHost, ["--tlsverify", "--tlscacert", Path.Combine(noCert, "ca.pem"), "version", "--format", "{{.Server.APIVersion}}"]);

        Assert.NotEqual(0, result.ExitCode);
        Assert.DoesNotContain("1.51", result.Stdout);
    }

    [Fact]
    public async Task ServerCertificateExpiringWithin30Days_WarnedInLogAndDockerInfo()
    {
        await using var s = await StartAsync(serverDays: 10);

        var info = await s.DockerAsAsync(s.Dir.Combine("alice"), "info", "--format", "{{json .Warnings}}");

        Assert.True(info.ExitCode == 0, info.ToString());
        Assert.Contains("TLS server certificate", info.Stdout);
        Assert.Contains("moat pki server", info.Stdout);
        Assert.Contains("TLS server certificate", s.Daemon.Output);
    }
}
