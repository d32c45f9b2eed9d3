using System.Diagnostics;

namespace Moat.Engine.Containers;

/// <summary>
/// docker-init for `docker run --init` (and daemon.json "init"): a tiny init (tini) bind-mounted read-only at
/// /sbin/docker-init and run as PID 1 with the container's command after "--", as dockerd does. It is the
/// configured "init-path", else docker-init in PATH, else Debian's statically linked /usr/bin/tini-static (a
/// container image need not have a libc).
/// </summary>
public sealed class InitBinary(string? configuredPath)
{
    public const string DefaultName = "docker-init";
    public const string ContainerPath = "/sbin/docker-init";
    private static readonly string[] Fallbacks = ["/usr/bin/tini-static", "/usr/libexec/docker/docker-init"];
    private string? _commit;

    /// <summary>What docker info shows as InitBinary: the configured path, or "docker-init".</summary>
    public string Name => configuredPath ?? DefaultName;

    /// <summary>The binary on the host, or null when there is none.</summary>
    public string? Resolve()
    {
        if (configuredPath is not null)
            return configuredPath.Contains('/') ? (File.Exists(configuredPath) ? Path.GetFullPath(configuredPath) : null) : LookPath(configuredPath);
        return LookPath(DefaultName) ?? Fallbacks.FirstOrDefault(File.Exists);
    }

    /// <summary>The host path, or the error dockerd gives when the binary is missing.</summary>
    public string Require() =>
        Resolve() ?? throw new Errors.InvalidArgumentException($"exec: \"{Name}\": executable file not found in $PATH (install Debian's tini package or set \"init-path\")");

    /// <summary>tini's git commit from `--version` ("tini version 0.19.0 - git.de40ad0"), "N/A" when it has none (Debian's build).</summary>
    public string Commit => _commit ??= ReadCommit();

    private string ReadCommit()
    {
        if (Resolve() is not { } path) return "N/A";
        try
        {
            using var p = Process.Start(new ProcessStartInfo(path, "--version") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false });
            if (p is null) return "N/A";
            string output = p.StandardOutput.ReadToEnd();
            if (!p.WaitForExit(2000)) { p.Kill(); return "N/A"; }
            return ParseCommit(output);
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or IOException or InvalidOperationException)
        {
            return "N/A";
        }
    }

    internal static string ParseCommit(string versionOutput)
    {
        int git = versionOutput.IndexOf("git.", StringComparison.Ordinal);
        if (git < 0) return "N/A";
        string commit = new([.. versionOutput[(git + 4)..].TakeWhile(char.IsAsciiHexDigit)]);
        return commit.Length > 0 ? commit : "N/A";
    }

    private static string? LookPath(string name)
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin").Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            string candidate = Path.Combine(dir, name);
            if (File.Exists(candidate)) return candidate;
        }
        return null;
    }
}
