using Moat.Compat.Tests.Infrastructure;

namespace Moat.Compat.Tests.Remote;

/// <summary>Runs the published dist/moat (the admin CLI) and other tools these tests need.</summary>
internal static class MoatCli
{
    public static Task<CliResult> RunAsync(params string[] args) =>
        ProcessRunner.RunAsync(MoatDaemon.CliPath, args, env: new Dictionary<string, string?> { ["MOAT_PKI_DIR"] = null, ["DOCKER_HOST"] = null });

    /// <summary>Runs dist/moat and fails the test with its output unless it exits 0.</summary>
    public static async Task<CliResult> OkAsync(params string[] args)
    {
        var result = await RunAsync(args);
        Assert.True(result.ExitCode == 0, $"moat {string.Join(' ', args)}: {result}");
        return result;
    }

    public static Task<CliResult> OpenSslAsync(params string[] args) => ProcessRunner.RunAsync("openssl", args);

    /// <summary>A CA in dir/ca with a server certificate for localhost/127.0.0.1 and one client per name in dir/NAME.</summary>
    public static async Task MakePkiAsync(string dir, params string[] clients)
    {
        string ca = Path.Combine(dir, "ca");
        await OkAsync("pki", "init", "--dir", ca);
        await OkAsync("pki", "server", "--dir", ca, "--name", "localhost", "--ip", "127.0.0.1");
        foreach (var client in clients) await OkAsync("pki", "client", client, "--group", "dev", "--out", Path.Combine(dir, client), "--dir", ca);
    }
}
