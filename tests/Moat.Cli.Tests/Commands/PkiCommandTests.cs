using System.Security.Cryptography.X509Certificates;
using Moat.Cli.Commands;
using Moat.Security.Pki;

namespace Moat.Cli.Tests.Commands;

public sealed class PkiCommandTests : IDisposable
{
    private readonly CliTestDirectory _dir = new();
    private readonly Dictionary<string, string?> _env = new();

    public void Dispose() => _dir.Dispose();

    private string Ca => _dir.Combine("ca");

    private (int Code, string Out, string Err) Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = PkiCommand.Run(args, stdout, stderr, TimeProvider.System, name => _env.GetValueOrDefault(name));
        return (code, stdout.ToString(), stderr.ToString());
    }

    [Fact]
    public void Init_ThenServer_PrintsDaemonJsonWithTlsKeysAndPort2376()
    {
        Assert.Equal(0, Run("init", "--dir", Ca).Code);

        var (code, output, _) = Run("server", "--dir", Ca, "--name", "moat.example", "--ip", "192.0.2.10");

        Assert.Equal(0, code);
        Assert.Contains("\"tlsverify\": true", output);
        Assert.Contains($"\"tlscacert\": \"{Ca}/ca.pem\"", output);
        Assert.Contains($"\"tlscert\": \"{Ca}/server-cert.pem\"", output);
        Assert.Contains($"\"tlskey\": \"{Ca}/server-key.pem\"", output);
        Assert.Contains($"\"tlscrl\": \"{Ca}/crl.pem\"", output);
        Assert.Contains("tcp://192.0.2.10:2376", output);
        Assert.Equal(AtomicFile.PrivateKeyMode, File.GetUnixFileMode(Path.Combine(Ca, "server-key.pem")));
    }

    [Fact]
    public void DaemonJson_IsValidJson()
    {
        string json = PkiCommand.DaemonJson("/p/ca.pem", "/p/c.pem", "/p/k.pem", "/p/crl.pem", "::1");

        using var doc = System.Text.Json.JsonDocument.Parse(json);

        Assert.Equal("tcp://[::1]:2376", doc.RootElement.GetProperty("hosts")[1].GetString());
        Assert.True(doc.RootElement.GetProperty("tlsverify").GetBoolean());
    }

    [Fact]
    public void Client_WritesCertPathFilesAndPrintsContextAndEnv()
    {
        Run("init", "--dir", Ca);
        Run("server", "--dir", Ca, "--name", "moat.example");
        string outDir = _dir.Combine("alice");

        var (code, output, err) = Run("client", "alice", "--group", "dev", "--group", "ops", "--out", outDir, "--dir", Ca);

        Assert.True(code == 0, err);
        Assert.Contains($"docker context create moat-moat.example --docker \"host=tcp://moat.example:2376,ca={outDir}/ca.pem,cert={outDir}/cert.pem,key={outDir}/key.pem\"", output);
        Assert.Contains("export DOCKER_HOST=tcp://moat.example:2376", output);
        Assert.Contains("export DOCKER_TLS_VERIFY=1", output);
        Assert.Contains($"export DOCKER_CERT_PATH={outDir}", output);
        var cert = X509Certificate2.CreateFromPemFile(Path.Combine(outDir, "cert.pem"), Path.Combine(outDir, "key.pem"));
        Assert.Equal("alice", CertificateIdentity.CommonName(cert));
        Assert.Equal(["dev", "ops"], CertificateIdentity.Groups(cert));
        Assert.Equal(File.ReadAllText(Path.Combine(Ca, "ca.pem")), File.ReadAllText(Path.Combine(outDir, "ca.pem")));
    }

    [Fact]
    public void Client_HostOption_UsedInPrintedCommands()
    {
        Run("init", "--dir", Ca);

        var (_, output, _) = Run("client", "bob", "--out", _dir.Combine("bob"), "--dir", Ca, "--host", "10.1.2.3:12376");

        Assert.Contains("export DOCKER_HOST=tcp://10.1.2.3:12376", output);
    }

    [Fact]
    public void Client_WithoutOut_UsageError()
    {
        Run("init", "--dir", Ca);

        var (code, _, err) = Run("client", "alice", "--dir", Ca);

        Assert.Equal(2, code);
        Assert.Contains("--out", err);
    }

    [Fact]
    public void Client_ExistingOutDir_RefusedBeforeIssuing()
    {
        Run("init", "--dir", Ca);
        string outDir = _dir.Combine("alice");
        Run("client", "alice", "--out", outDir, "--dir", Ca);

        var (code, _, err) = Run("client", "alice", "--out", outDir, "--dir", Ca);

        Assert.Equal(1, code);
        Assert.Contains("already exists", err);
        using var ca = CertificateAuthority.Open(Ca);
        Assert.Single(ca.Index.Certificates, c => c.Kind == "client");
    }

    [Fact]
    public void List_ShowsSerialSubjectGroupsNotAfterAndRevoked()
    {
        Run("init", "--dir", Ca);
        Run("client", "alice", "--group", "dev", "--out", _dir.Combine("a"), "--dir", Ca, "--days", "30");
        Run("client", "bob", "--out", _dir.Combine("b"), "--dir", Ca);
        Run("revoke", "bob", "--dir", Ca);

        var (code, output, _) = Run("list", "--dir", Ca);

        Assert.Equal(0, code);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Matches("^SERIAL +KIND +SUBJECT +GROUPS +NOT AFTER +REVOKED$", lines[0]);
        Assert.Matches("^[0-9A-F]{32} +client +CN=alice, O=dev +dev +\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\dZ +no$", lines.Single(l => l.Contains("alice")));
        Assert.Matches("client +CN=bob +- +\\S+ \\S+ +\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\dZ$", lines.Single(l => l.Contains("bob")));
    }

    [Fact]
    public void Revoke_PrintsSerialAndUpdatesCrl()
    {
        Run("init", "--dir", Ca);
        Run("client", "alice", "--out", _dir.Combine("a"), "--dir", Ca);
        var cert = X509Certificate2.CreateFromPem(File.ReadAllText(_dir.Combine("a", "cert.pem")));

        var (code, output, _) = Run("revoke", cert.SerialNumber, "--dir", Ca);

        Assert.Equal(0, code);
        Assert.Contains($"serial {cert.SerialNumber}", output);
        Assert.True(RevocationList.ParseAll(File.ReadAllBytes(Path.Combine(Ca, "crl.pem"))).Single().IsRevoked(cert));
    }

    [Fact]
    public void Revoke_Unknown_ExitsOneWithMessage()
    {
        Run("init", "--dir", Ca);

        var (code, _, err) = Run("revoke", "nobody", "--dir", Ca);

        Assert.Equal(1, code);
        Assert.StartsWith("moat pki: no certificate named or numbered \"nobody\"", err);
    }

    [Fact]
    public void Crl_RenewsWithNextNumber()
    {
        Run("init", "--dir", Ca);

        var (code, output, _) = Run("crl", "--dir", Ca);

        Assert.Equal(0, code);
        Assert.Contains("CRL number 2", output);
    }

    [Fact]
    public void Dir_FromEnvironment_WhenNoOption()
    {
        _env["MOAT_PKI_DIR"] = Ca;

        Assert.Equal(0, Run("init").Code);

        Assert.True(File.Exists(Path.Combine(Ca, "ca.pem")));
    }

    [Fact]
    public void Init_Algorithm_Rsa()
    {
        Assert.Equal(0, Run("init", "--dir", Ca, "--algorithm", "rsa", "--cn", "Corp CA").Code);

        var cert = X509Certificate2.CreateFromPem(File.ReadAllText(Path.Combine(Ca, "ca.pem")));
        Assert.Equal("CN=Corp CA", cert.Subject);
        Assert.Equal(3072, cert.GetRSAPublicKey()!.KeySize);
    }

    [Theory]
    [InlineData("init", "--algorithm", "dsa")]
    [InlineData("init", "--days", "many")]
    [InlineData("init", "--bogus")]
    [InlineData("frobnicate")]
    [InlineData("server")]
    [InlineData("init", "--not-before", "yesterday-ish")]
    public void BadCommandLine_ExitsNonZeroWithMessage(params string[] args)
    {
        var (code, _, err) = Run([.. args, "--dir", Ca]);

        Assert.NotEqual(0, code);
        Assert.StartsWith("moat pki: ", err);
    }

    [Fact]
    public void Server_NoCa_TellsToInit()
    {
        var (code, _, err) = Run("server", "--name", "h", "--dir", Ca);

        Assert.Equal(1, code);
        Assert.Contains("moat pki init", err);
    }
}
