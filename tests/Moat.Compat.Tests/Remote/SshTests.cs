using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Moat.Compat.Tests.Infrastructure;

namespace Moat.Compat.Tests.Remote;

/// <summary>
/// One moatd (with an authorization policy and an audit log) and one real sshd (configured by `moat ssh-setup`)
/// shared by the tests of a class. The policy gives the ssh user <see cref="Role"/>, by name; busybox:latest is
/// imported beforehand on the daemon's socket as root.
/// </summary>
public abstract class SshFixtureBase(string role) : IAsyncLifetime
{
    /// <summary>The group moatd gives its socket by default (dockerd's -G default); the test user is a member.</summary>
    public const string Group = "docker";

    public string Role { get; } = role;
    public MoatDaemon Daemon { get; private set; } = null!;
    internal SshServer Ssh { get; private set; } = null!;
    public TempDir Dir { get; } = new("moat-ssh-authz");
    public string AuditLog => Dir.Combine("audit", "audit.log");

    public async ValueTask InitializeAsync()
    {
        string user = SshServer.NewUserName();
        File.WriteAllText(Dir.Combine("policy.json"), $$"""{"bindings":[{"role":"{{Role}}","users":["{{user}}"]}]}""");
        Daemon = await MoatDaemon.StartAsync($$"""{"authorization-policy": "{{Dir.Combine("policy.json")}}", "audit-log": "{{AuditLog}}"}""");
        await BusyboxImage.ImportAsync(Daemon);
        // The ssh user reaches the socket as a member of the socket's group, as in production. moatd is to create its
        // socket root:docker 0660 (dockerd's -G default); setting the same here keeps this test independent of that
        // and exact about what it needs. The daemon's temp dir is 0700: let others traverse it (not list it).
        await ProcessRunner.RunAsync("chown", ["root:" + Group, Daemon.SocketPath]);
        File.SetUnixFileMode(Daemon.SocketPath, (UnixFileMode)Convert.ToInt32("660", 8));
        File.SetUnixFileMode(Daemon.Dir.Path, (UnixFileMode)Convert.ToInt32("711", 8));
        Ssh = await SshServer.StartAsync(Daemon.SocketPath, Group, user);
    }

    /// <summary>The audit log's request entries, once at least one matches <paramref name="match"/> (or after 5 s).</summary>
    public async Task<string[]> AuditRequestsAsync(Func<string, bool> match)
    {
        string[] lines = [];
        for (int i = 0; i < 200; i++)
        {
            lines = File.Exists(AuditLog)
                ? (await File.ReadAllLinesAsync(AuditLog)).Where(l => l.Contains("\"kind\":\"request\"")).ToArray()
                : [];
            if (lines.Any(match)) break;
            await Task.Delay(25);
        }
        return lines;
    }

    public async ValueTask DisposeAsync()
    {
        if (Ssh is not null) await Ssh.DisposeAsync();
        if (Daemon is not null) await Daemon.DisposeAsync();
        Dir.Dispose();
    }
}

/// <summary>The ssh user is an operator: the whole Docker API except the admin-only parts.</summary>
public sealed class SshFixture() : SshFixtureBase("operator");

/// <summary>The ssh user is only a viewer: reads pass, anything that changes state is denied.</summary>
public sealed class SshViewerFixture() : SshFixtureBase("viewer");

/// <summary>
/// DOCKER_HOST=ssh://user@host against a real OpenSSH sshd with the drop-in from `moat ssh-setup`: the docker CLI
/// works with a key, and the account gets the Docker API and nothing else.
/// </summary>
public sealed class SshTests(SshFixture fixture) : IClassFixture<SshFixture>
{
    private SshServer Ssh => fixture.Ssh;

    [Fact]
    public async Task DockerPs_OverSsh_ListsContainers()
    {
        var result = await Ssh.DockerAsync("ps");

        Assert.True(result.ExitCode == 0, $"{result}\nsshd log:\n{Ssh.Log}");
        Assert.StartsWith("CONTAINER ID   IMAGE", result.Stdout);
    }

    [Fact]
    public async Task DockerRun_OverSsh_PrintsOutputAndExitsZero()
    {
        // `docker run` attaches on a hijacked connection and half-closes it at once (no stdin): the FIN travels
        // ssh → sshd → moat dial-stdio → shutdown(SHUT_WR) on moatd's socket, and the output must still come back.
        var result = await Ssh.DockerAsync("run", "--rm", "busybox", "echo", "hello-over-ssh");

        Assert.True(result.ExitCode == 0, $"{result}\nsshd log:\n{Ssh.Log}\nmoatd:\n{fixture.Daemon.Output}");
        Assert.Equal("hello-over-ssh\n", result.Stdout);
    }

    [Fact]
    public async Task DockerPs_OverSsh_AuditNamesTheSshUser()
    {
        string uid = (await ProcessRunner.RunAsync("id", ["-u", Ssh.User])).Stdout.Trim();
        // Other tests of this class share the daemon and also list containers: only entries from now on count.
        var since = DateTimeOffset.UtcNow;
        var result = await Ssh.DockerAsync("ps", "--all");
        Assert.True(result.ExitCode == 0, $"{result}\nsshd log:\n{Ssh.Log}");

        bool IsPs(string l) => l.Contains($"\"user\":\"{Ssh.User}\"") && l.Contains("\"action\":\"container.list\"")
            && System.Text.Json.JsonDocument.Parse(l).RootElement.GetProperty("time").GetDateTimeOffset() >= since;
        var entries = await fixture.AuditRequestsAsync(IsPs);

        var ps = Assert.Single(entries, l => IsPs(l) && l.Contains("\"decision\":\"allow\""));
        Assert.Contains($"\"auth\":\"peercred\",\"uid\":{uid},", ps);
        Assert.Contains("\"transport\":\"unix\"", ps);
        Assert.Contains("\"method\":\"GET\"", ps);
        Assert.Contains("\"rule\":\"role operator allows container.list\"", ps);
        Assert.NotEqual("0", uid);
    }

    [Fact]
    public async Task DockerVersion_OverSshWithKey_ReachesMoatd()
    {
        var result = await Ssh.DockerAsync("version", "--format", "{{.Server.APIVersion}} {{.Server.Version}}");

        Assert.True(result.ExitCode == 0, $"{result}\nsshd log:\n{Ssh.Log}");
        Assert.Equal("1.51 28.2.2-moat", result.Stdout.Trim());
    }

    [Fact]
    public async Task DockerContext_SshHost_Works()
    {
        string name = "moat-ssh-" + Ssh.Port;
        var create = await DockerCli.RunAsync("", ["context", "create", name, "--docker", $"host={Ssh.DockerHost}"], env: Ssh.ClientEnvironment);
        try
        {
            Assert.True(create.ExitCode == 0, create.ToString());

            var result = await DockerCli.RunAsync("", ["--context", name, "version", "--format", "{{.Server.Os}}"], env: Ssh.ClientEnvironment);

            Assert.True(result.ExitCode == 0, $"{result}\nsshd log:\n{Ssh.Log}");
            Assert.Equal("linux", result.Stdout.Trim());
        }
        finally
        {
            await DockerCli.RunAsync("", ["context", "rm", "-f", name]);
        }
    }

    [Fact]
    public async Task PasswordLogin_Refused()
    {
        var result = await Ssh.SshAsync("-o", "PreferredAuthentications=password,keyboard-interactive", "-o", "PubkeyAuthentication=no",
            $"{Ssh.User}@127.0.0.1", "true");

        Assert.Equal(255, result.ExitCode);
        Assert.Contains("Permission denied (publickey)", result.Stderr);
    }

    [Fact]
    public async Task SshCommand_Id_IsNotRun()
    {
        var result = await Ssh.SshAsync($"{Ssh.User}@127.0.0.1", "id");

        Assert.DoesNotContain("uid=", result.Stdout);
        Assert.DoesNotContain("uid=", result.Stderr);
    }

    [Fact]
    public async Task SshCommand_Anything_GetsTheDaemonApiInstead()
    {
        // Whatever the client asks to run, the ForceCommand connects it to moatd's socket. stdin stays open until the
        // daemon has answered and closed (Connection: close), as the docker CLI does: Kestrel may drop a request whose
        // client half-closes right after sending it.
        var ct = TestContext.Current.CancellationToken;
        var psi = new ProcessStartInfo("/usr/bin/ssh", ["-F", Ssh.ClientConfig, "-p", Ssh.Port.ToString(), $"{Ssh.User}@127.0.0.1", "cat /etc/shadow"])
        { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        using var ssh = Process.Start(psi)!;
        var stdout = ssh.StandardOutput.ReadToEndAsync(ct);
        var stderr = ssh.StandardError.ReadToEndAsync(ct);
        await ssh.StandardInput.WriteAsync("GET /_ping HTTP/1.1\r\nHost: docker\r\nConnection: close\r\n\r\n");
        await ssh.StandardInput.FlushAsync(ct);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        try
        {
            await ssh.WaitForExitAsync(timeout.Token);
        }
        finally
        {
            if (!ssh.HasExited) ssh.Kill();
        }
        string output = await stdout;

        Assert.True(ssh.ExitCode == 0, $"exit {ssh.ExitCode}: {output}\n{await stderr}\nsshd log:\n{Ssh.Log}");
        Assert.StartsWith("HTTP/1.1 200 OK", output);
        Assert.EndsWith("OK", output);
        Assert.DoesNotContain("root:", output);
    }

    [Fact]
    public async Task Tty_Refused()
    {
        var result = await Ssh.SshAsync("-tt", $"{Ssh.User}@127.0.0.1");

        Assert.Contains("PTY allocation request failed", result.Stderr);
    }

    [Fact]
    public async Task StdioForwarding_Refused()
    {
        var result = await Ssh.SshAsync("-o", "LogLevel=INFO", "-W", $"127.0.0.1:{Ssh.Port}", $"{Ssh.User}@127.0.0.1");

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("administratively prohibited", result.Stderr);
        Assert.DoesNotContain("SSH-2.0", result.Stdout);
    }

    [Fact]
    public async Task LocalPortForwarding_Refused()
    {
        int localPort = PkiOpenSslTests.FreePort();
        var psi = new ProcessStartInfo("/usr/bin/ssh", ["-F", Ssh.ClientConfig, "-p", Ssh.Port.ToString(), "-N", "-o", "LogLevel=INFO",
            "-L", $"127.0.0.1:{localPort}:127.0.0.1:{Ssh.Port}", $"{Ssh.User}@127.0.0.1"])
        { RedirectStandardError = true, RedirectStandardOutput = true, RedirectStandardInput = true, UseShellExecute = false };
        using var ssh = Process.Start(psi)!;
        var stderr = ssh.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        try
        {
            await PkiOpenSslTests.WaitForPortAsync(localPort);
            using var client = new TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, localPort, TestContext.Current.CancellationToken);
            // Through a working tunnel, sshd would greet with "SSH-2.0-…"; a refused channel closes the connection.
            var buffer = new byte[64];
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            int n;
            try { n = await client.GetStream().ReadAsync(buffer, timeout.Token); }
            catch (IOException) { n = 0; }

            Assert.Equal(0, n);
        }
        finally
        {
            ssh.Kill();
            await ssh.WaitForExitAsync(TestContext.Current.CancellationToken);
        }
        Assert.Contains("administratively prohibited", await stderr);
    }

    [Fact]
    public async Task UserOutsideTheGroup_Refused()
    {
        var result = await Ssh.SshAsync($"root@127.0.0.1", "true");

        Assert.Equal(255, result.ExitCode);
        Assert.Contains("Permission denied", result.Stderr);
    }
}

/// <summary>The policy reaches ssh:// users: a viewer may list, not run.</summary>
public sealed class SshViewerTests(SshViewerFixture fixture) : IClassFixture<SshViewerFixture>
{
    private SshServer Ssh => fixture.Ssh;

    [Fact]
    public async Task DockerPs_AsViewerOverSsh_Works()
    {
        var result = await Ssh.DockerAsync("ps");

        Assert.True(result.ExitCode == 0, $"{result}\nsshd log:\n{Ssh.Log}");
        Assert.StartsWith("CONTAINER ID   IMAGE", result.Stdout);
    }

    [Fact]
    public async Task DockerRun_AsViewerOverSsh_DeniedByPolicy()
    {
        var result = await Ssh.DockerAsync("run", "--rm", "busybox", "echo", "should-not-run");

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains($"authorization denied by policy: no role of user {Ssh.User} allows container.create", result.Stderr);
        Assert.DoesNotContain("should-not-run", result.Stdout);
        var entries = await fixture.AuditRequestsAsync(l => l.Contains($"\"user\":\"{Ssh.User}\"") && l.Contains("\"decision\":\"deny\""));
        Assert.Contains(entries, l => l.Contains($"\"user\":\"{Ssh.User}\"") && l.Contains("\"action\":\"container.create\"")
            && l.Contains("\"decision\":\"deny\"") && l.Contains("\"status\":403"));
    }
}
