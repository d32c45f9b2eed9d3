using System.Diagnostics;
using System.Text;
using Moat.Compat.Tests.Infrastructure;

namespace Moat.Compat.Tests.Remote;

/// <summary>
/// A real OpenSSH sshd (Debian's openssh-server) on 127.0.0.1 at a free port, configured by the drop-in that
/// `moat ssh-setup --print` makes, with one fresh Unix user in the allowed group who has an ed25519 key.
/// The client side is the system ssh with a private config (via an `ssh` wrapper first on PATH, which is how the
/// docker CLI finds it). Disposing stops sshd and removes the user.
/// </summary>
internal sealed class SshServer : IAsyncDisposable
{
    private readonly Process _sshd;
    private readonly StringBuilder _log;

    private SshServer(TempDir dir, Process sshd, StringBuilder log, int port, string user)
    {
        Dir = dir;
        _sshd = sshd;
        _log = log;
        Port = port;
        User = user;
    }

    public TempDir Dir { get; }
    public int Port { get; }
    public string User { get; }
    public string KeyPath => Dir.Combine("client", "id_ed25519");
    public string ClientConfig => Dir.Combine("client", "ssh_config");
    public string BinDir => Dir.Combine("client", "bin");
    public string DockerHost => $"ssh://{User}@127.0.0.1:{Port}";

    public string Log
    {
        get { lock (_log) return _log.ToString(); }
    }

    /// <summary>Environment for the docker CLI: our `ssh` wrapper first on PATH.</summary>
    public IDictionary<string, string?> ClientEnvironment => new Dictionary<string, string?>
    {
        ["PATH"] = BinDir + ":" + Environment.GetEnvironmentVariable("PATH"),
    };

    /// <param name="socketPath">The daemon socket the ForceCommand's dial-stdio connects to.</param>
    /// <param name="group">The allowed group; the user is made a member.</param>
    /// <param name="user">The account to create (default: a fresh random name, see <see cref="NewUserName"/>).</param>
    public static async Task<SshServer> StartAsync(string socketPath, string group, string? user = null)
    {
        var dir = new TempDir("moat-sshd");
        // sshd runs the ForceCommand as the user: the moat binary must be reachable for them, wherever dist/ is.
        File.SetUnixFileMode(dir.Path, (UnixFileMode)Convert.ToInt32("755", 8));
        user ??= NewUserName();
        string? created = null;
        try
        {
            string moat = dir.Combine("moat");
            File.Copy(MoatDaemon.CliPath, moat);
            File.SetUnixFileMode(moat, (UnixFileMode)Convert.ToInt32("755", 8));

            await Must("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "moat-test-host", "-f", dir.Combine("ssh_host_ed25519_key"));

            // The drop-in exactly as `moat ssh-setup --print` makes it, with this test's binary and socket.
            var setup = await MoatCli.OkAsync("ssh-setup", "--print", "--group", group, "--moat-path", moat, "-H", "unix://" + socketPath);
            File.WriteAllText(dir.Combine("moat.conf"), setup.Stdout);
            int port = PkiOpenSslTests.FreePort();
            File.WriteAllText(dir.Combine("sshd_config"), $"""
                # As on Debian: drop-ins first (sshd keeps the first value it reads).
                Include {dir.Combine("moat.conf")}
                HostKey {dir.Combine("ssh_host_ed25519_key")}
                PidFile {dir.Combine("sshd.pid")}
                UsePAM no
                LogLevel VERBOSE
                """);
            Directory.CreateDirectory("/run/sshd");

            await EnsureGroupAsync(group);
            await Must("useradd", "--create-home", "--shell", "/bin/sh", "--groups", group, user);
            created = user;
            // useradd leaves the password locked ("!"), which sshd without PAM treats as a locked account; "*" is
            // "no password" without being locked, so only the key can get in.
            await Must("usermod", "-p", "*", user);
            string home = (await Must("getent", "passwd", user)).Stdout.Split(':')[5];
            Directory.CreateDirectory(dir.Combine("client", "bin"));
            await Must("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "moat-test-client", "-f", dir.Combine("client", "id_ed25519"));
            await Must("install", "-d", "-m", "700", "-o", user, "-g", user, Path.Combine(home, ".ssh"));
            await Must("install", "-m", "600", "-o", user, "-g", user, dir.Combine("client", "id_ed25519.pub"), Path.Combine(home, ".ssh", "authorized_keys"));

            File.WriteAllText(dir.Combine("client", "ssh_config"), $"""
                Host *
                  IdentityFile {dir.Combine("client", "id_ed25519")}
                  IdentitiesOnly yes
                  StrictHostKeyChecking no
                  UserKnownHostsFile /dev/null
                  GlobalKnownHostsFile /dev/null
                  LogLevel ERROR
                  BatchMode yes
                """);
            string wrapper = dir.Combine("client", "bin", "ssh");
            File.WriteAllText(wrapper, $"#!/bin/sh\nexec /usr/bin/ssh -F {dir.Combine("client", "ssh_config")} \"$@\"\n");
            File.SetUnixFileMode(wrapper, (UnixFileMode)Convert.ToInt32("755", 8));

            var check = await ProcessRunner.RunAsync("/usr/sbin/sshd", ["-t", "-f", dir.Combine("sshd_config")]);
            if (check.ExitCode != 0) throw new InvalidOperationException($"sshd -t refused the config: {check}\n{setup.Stdout}");

            var log = new StringBuilder();
            var psi = new ProcessStartInfo("/usr/sbin/sshd", ["-D", "-e", "-f", dir.Combine("sshd_config"), "-p", port.ToString(), "-o", "ListenAddress=127.0.0.1"])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                RedirectStandardInput = true,
                UseShellExecute = false,
            };
            var sshd = Process.Start(psi)!;
            sshd.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (log) log.AppendLine(e.Data); };
            sshd.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (log) log.AppendLine(e.Data); };
            sshd.BeginOutputReadLine();
            sshd.BeginErrorReadLine();
            var server = new SshServer(dir, sshd, log, port, user);
            try
            {
                await PkiOpenSslTests.WaitForPortAsync(port);
            }
            catch
            {
                await server.DisposeAsync();
                throw;
            }
            return server;
        }
        catch
        {
            if (created is not null) await ProcessRunner.RunAsync("userdel", ["--remove", "--force", created]);
            dir.Dispose();
            throw;
        }
    }

    /// <summary>A fresh account name, for a policy written before the account exists.</summary>
    public static string NewUserName() => "moatssh" + Random.Shared.Next(100000, 999999);

    /// <summary>Runs the system ssh with this server's client config against the test user.</summary>
    public Task<CliResult> SshAsync(params string[] args) =>
        ProcessRunner.RunAsync("/usr/bin/ssh", ["-F", ClientConfig, "-p", Port.ToString(), .. args], timeout: TimeSpan.FromSeconds(30));

    public Task<CliResult> DockerAsync(params string[] args) =>
        DockerCli.RunAsync(DockerHost, args, env: ClientEnvironment, timeout: TimeSpan.FromSeconds(60));

    private static async Task EnsureGroupAsync(string group)
    {
        if ((await ProcessRunner.RunAsync("getent", ["group", group])).ExitCode != 0)
            await ProcessRunner.RunAsync("groupadd", ["--system", group]);
    }

    private static async Task<CliResult> Must(string file, params string[] args)
    {
        var result = await ProcessRunner.RunAsync(file, args);
        if (result.ExitCode != 0) throw new InvalidOperationException($"{file} {string.Join(' ', args)}: {result}");
        return result;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_sshd.HasExited)
        {
            DockerCli.Kill(_sshd.Id, 15);
            using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            try { await _sshd.WaitForExitAsync(wait.Token); }
            catch (OperationCanceledException) { _sshd.Kill(); await _sshd.WaitForExitAsync(); }
        }
        _sshd.Dispose();
        // Every ssh client of the test has finished by now; --force removes the account even if a session lingers.
        await ProcessRunner.RunAsync("userdel", ["--remove", "--force", User]);
        Dir.Dispose();
    }
}
