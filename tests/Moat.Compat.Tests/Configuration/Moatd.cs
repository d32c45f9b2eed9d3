using Moat.Compat.Tests.Infrastructure;

namespace Moat.Compat.Tests.Configuration;

/// <summary>
/// Runs dist/moatd to completion with the same temp paths <see cref="MoatDaemon"/> uses, capturing stdout and stderr
/// separately; for refusals, --validate, --help and --version. HOME points into the temp dir so ~/.docker is empty.
/// </summary>
internal static class Moatd
{
    public static Task<CliResult> RunAsync(TempDir dir, string? config, params string[] args) =>
        RunAsync(dir, config is null ? null : System.Text.Encoding.UTF8.GetBytes(config), args);

    public static Task<CliResult> RunAsync(TempDir dir, byte[]? config, IEnumerable<string> args, bool standardArgs = true)
    {
        if (config is not null) File.WriteAllBytes(ConfigFile(dir), config);
        var all = new List<string>();
        if (standardArgs)
        {
            all.AddRange(["-H", "unix://" + dir.Combine("docker.sock"), "--data-root", dir.Combine("data"), "--exec-root", dir.Combine("exec"),
                "--pidfile", dir.Combine("moatd.pid"), "--config-file", ConfigFile(dir)]);
        }
        all.AddRange(args);
        var env = new Dictionary<string, string?>
        {
            ["HOME"] = dir.Combine("home"),
            ["DOCKER_CERT_PATH"] = null,
            ["DOCKER_CONFIG"] = null,
            ["DOCKER_TLS_VERIFY"] = null,
        };
        return ProcessRunner.RunAsync(MoatDaemon.DaemonPath, all, env: env, timeout: TimeSpan.FromSeconds(30));
    }

    public static string ConfigFile(TempDir dir) => dir.Combine("daemon.json");

    public static string Wrapped(TempDir dir, string message) => $"unable to configure the Docker daemon with file {ConfigFile(dir)}: {message}\n";
}
