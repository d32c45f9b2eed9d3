using Moat.Compat.Tests.Infrastructure;
using Moat.Compat.Tests.Remote;

namespace Moat.Compat.Tests.Authorization;

/// <summary>
/// The policy with users who arrive by client certificate: alice (O=dev) and bob (O=ops) hold `moat pki client`
/// certificates and are developers with "own" scope; carol (O=audit) is a viewer; root on the unix socket of the
/// same daemon is an administrator. All of it through the real docker CLI over mutual TLS.
/// </summary>
public sealed class CertificateUsersTests
{
    private const string Denied = "authorization denied by policy";

    private static void Ok(CliResult r) => Assert.True(r.ExitCode == 0, r.ToString());

    private static void Fails(CliResult r, string message)
    {
        Assert.True(r.ExitCode != 0, r.ToString());
        Assert.Contains(message, r.Stderr);
    }

    [Fact]
    public async Task AliceAndBob_ByCertificate_ManageOnlyTheirOwn_ViewerReads_RootDoesAll()
    {
        using var dir = new TempDir("moat-certusers");
        string ca = dir.Combine("ca");
        await MoatCli.OkAsync("pki", "init", "--dir", ca);
        await MoatCli.OkAsync("pki", "server", "--dir", ca, "--name", "localhost", "--ip", "127.0.0.1");
        foreach (var (user, group) in new[] { ("alice", "dev"), ("bob", "ops"), ("carol", "audit") })
            await MoatCli.OkAsync("pki", "client", user, "--group", group, "--out", dir.Combine(user), "--dir", ca);
        File.WriteAllText(dir.Combine("policy.json"),
            """{"bindings":[{"role":"developer","groups":["dev","ops"]},{"role":"viewer","groups":["audit"]}]}""");
        string audit = dir.Combine("audit", "audit.log");
        int port = PkiOpenSslTests.FreePort();
        await using var daemon = await MoatDaemon.StartAsync(
            $$"""{"authorization-policy": "{{dir.Combine("policy.json")}}", "audit-log": "{{audit}}"}""",
            ["--tlsverify", "--tlscacert", Path.Combine(ca, "ca.pem"), "--tlscert", Path.Combine(ca, "server-cert.pem"),
             "--tlskey", Path.Combine(ca, "server-key.pem"), "-H", $"tcp://127.0.0.1:{port}"]);
        await PkiOpenSslTests.WaitForPortAsync(port);
        await BusyboxImage.ImportAsync(daemon);
        Task<CliResult> As(string user, params string[] args) => DockerCli.RunAsync($"tcp://127.0.0.1:{port}", args,
            env: new Dictionary<string, string?> { ["DOCKER_TLS_VERIFY"] = "1", ["DOCKER_CERT_PATH"] = dir.Combine(user) });

        try
        {
            Ok(await As("alice", "run", "-d", "--name", "alices", "busybox", "sleep", "60"));
            Ok(await As("bob", "run", "-d", "--name", "bobs", "busybox", "sleep", "60"));

            // Each sees and manages only their own.
            var alicePs = await As("alice", "ps", "--format", "{{.Names}}");
            Ok(alicePs);
            Assert.Contains("alices", alicePs.Stdout);
            Assert.DoesNotContain("bobs", alicePs.Stdout);
            Fails(await As("alice", "stop", "bobs"), "No such container: bobs");
            Fails(await As("alice", "logs", "bobs"), "No such container: bobs");
            Ok(await As("alice", "stop", "-t", "1", "alices"));
            Ok(await As("alice", "start", "alices"));
            Ok(await As("alice", "exec", "alices", "true"));

            // What a developer may not create, whoever they are.
            Fails(await As("alice", "run", "--rm", "--privileged", "busybox", "true"), Denied);
            Fails(await As("alice", "run", "--rm", "-v", "/:/host", "busybox", "true"), Denied);
            Fails(await As("alice", "run", "--rm", "-v", "/etc:/x", "busybox", "true"), Denied);
            Fails(await As("alice", "run", "--rm", "-v", $"{daemon.SocketPath}:/var/run/docker.sock", "busybox", "true"), Denied);
            Fails(await As("alice", "run", "--rm", "--pid", "host", "busybox", "true"), Denied);

            // The viewer reads everything and changes nothing.
            var carolPs = await As("carol", "ps", "--format", "{{.Names}}");
            Ok(carolPs);
            Assert.Contains("alices", carolPs.Stdout);
            Assert.Contains("bobs", carolPs.Stdout);
            Ok(await As("carol", "inspect", "--type", "container", "bobs"));
            Fails(await As("carol", "create", "busybox", "true"), Denied);
            Fails(await As("carol", "stop", "alices"), Denied);

            var aliceId = await daemon.DockerAsync("inspect", "--format", "{{.Id}}", "alices");
            Ok(aliceId);

            // root on the unix socket of the same daemon does everything.
            Ok(await daemon.DockerAsync("stop", "-t", "1", "bobs"));
            Ok(await daemon.DockerAsync("rm", "-f", "alices", "bobs"));

            // The audit names each certificate holder with their groups, and the chain verifies.
            string log = File.ReadAllText(audit);
            Assert.Contains("\"user\":\"alice\",\"groups\":[\"dev\"]", log);
            Assert.Contains("\"user\":\"bob\",\"groups\":[\"ops\"]", log);
            Assert.Contains("\"auth\":\"tls\"", log);
            Assert.Contains("\"cert_sha256\":", log);
            // A create's entry names the new container by its id and by the name it was created under.
            Assert.Contains($"\"action\":\"container.create\",\"object_id\":\"{aliceId.Stdout.Trim()}\",\"object_name\":\"alices\",\"decision\":\"allow\"", log);
            // An exec's create entry names the new exec instance by its id and the container it runs in, so the
            // entry of its start leads back to the container.
            var execCreate = System.Text.RegularExpressions.Regex.Match(log,
                "\"action\":\"container.exec\",\"object_id\":\"([0-9a-f]{64})\",\"object_name\":\"alices\",\"decision\":\"allow\"");
            Assert.True(execCreate.Success, "no container.exec entry naming the exec id and alices");
            Assert.Contains($"\"action\":\"exec.start\",\"object_id\":\"{execCreate.Groups[1].Value}\"", log);
            Ok(await MoatCli.RunAsync("audit", "verify", audit));
        }
        finally
        {
            await daemon.DockerAsync("rm", "-f", "alices", "bobs");
        }
    }
}
