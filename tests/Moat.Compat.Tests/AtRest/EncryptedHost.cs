using System.Text;
using Moat.Compat.Tests.Infrastructure;

namespace Moat.Compat.Tests.AtRest;

/// <summary>
/// A moatd data directory with a master key (made by the real `moat key init`), restarted at will on the same paths,
/// plus the byte scans the at-rest tests assert with. Disposing stops moatd and unmounts whatever is left below it.
/// </summary>
internal sealed class EncryptedHost : IAsyncDisposable
{
    public EncryptedHost(string prefix, string extraConfig = "")
    {
        Dir = new TempDir(prefix);
        KeyFile = Dir.Combine("keys", "master.key");
        Config = $$"""{"data-encryption-key-file": "{{KeyFile}}"{{extraConfig}}}""";
    }

    public TempDir Dir { get; }
    public string KeyFile { get; }
    public string Config { get; }
    public MoatDaemon? Daemon { get; private set; }
    public string DataRoot => Dir.Combine("data");

    public async Task InitKeyAsync()
    {
        var r = await ProcessRunner.RunAsync(MoatDaemon.CliPath, ["key", "init", "--file", KeyFile]);
        Assert.True(r.ExitCode == 0, r.ToString());
    }

    /// <summary>Starts moatd on this directory with <see cref="Config"/> (or another daemon.json).</summary>
    public async Task<MoatDaemon> StartAsync(string? config = null)
    {
        Daemon = MoatDaemon.Launch(Dir, config ?? Config, null);
        await Daemon.WaitReadyAsync(TimeSpan.FromSeconds(20));
        return Daemon;
    }

    /// <summary>SIGTERM and wait, as systemctl stop.</summary>
    public async Task StopAsync()
    {
        if (Daemon is null || Daemon.HasExited) return;
        Daemon.Signal(15);
        await Daemon.WaitForExitAsync(TimeSpan.FromSeconds(30));
    }

    /// <summary>docker against the daemon running now (it changes across restarts), asserting success.</summary>
    public Task<string> OkAsync(params string[] args) => Daemon!.DockerOkAsync(args);

    /// <summary>Every regular file below <paramref name="root"/> (symlinks and mounted FUSE views are not followed) that contains <paramref name="needle"/>.</summary>
    public static List<string> FilesContaining(string root, byte[] needle)
    {
        var hits = new List<string>();
        var options = new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = FileAttributes.ReparsePoint, IgnoreInaccessible = true };
        foreach (var file in Directory.EnumerateFiles(root, "*", options))
        {
            byte[] bytes;
            try { bytes = File.ReadAllBytes(file); }
            catch (IOException) { continue; }
            if (bytes.AsSpan().IndexOf(needle) >= 0) hits.Add(file);
        }
        return hits;
    }

    public static List<string> FilesContaining(string root, string needle) => FilesContaining(root, Encoding.UTF8.GetBytes(needle));

    /// <summary>Mount points below this host's directory (the FUSE views of unlocked volumes, rootfs overlays).</summary>
    public List<string> MountsBelow(string relative)
    {
        string prefix = Dir.Combine(relative);
        return File.ReadAllLines("/proc/self/mountinfo").Select(l => l.Split(' ')[4]).Where(m => m.StartsWith(prefix, StringComparison.Ordinal)).ToList();
    }

    public async ValueTask DisposeAsync()
    {
        if (Daemon is not null && !Daemon.HasExited)
        {
            var ids = (await Daemon.DockerAsync("ps", "-aq")).Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            if (ids.Length > 0) await Daemon.DockerAsync(["rm", "-f", .. ids]);
            await StopAsync();
        }
        // Never delete through a still-mounted plaintext view: unmount first (deepest first).
        foreach (var mount in MountsBelow("").OrderByDescending(m => m.Length))
            await ProcessRunner.RunAsync("umount", ["-l", mount]);
        Dir.Dispose();
    }
}
