using System.Diagnostics;

namespace Moat.Compat.Tests.Infrastructure;

/// <summary>
/// A busybox root filesystem tar made from Debian's busybox-static: /bin/busybox plus one symlink per applet,
/// /etc/passwd and /etc/group, /tmp. Built once per test run; import it with `docker import`.
/// </summary>
public static class BusyboxImage
{
    private static readonly Lazy<string> Tar = new(Build, LazyThreadSafetyMode.ExecutionAndPublication);

    public static string TarPath => Tar.Value;

    /// <summary>Imports the tar as <paramref name="reference"/> (default busybox:latest) and returns the image ID.</summary>
    public static async Task<string> ImportAsync(MoatDaemon daemon, string reference = "busybox:latest")
    {
        var result = await DockerCli.RunAsync(daemon.Host, ["import", "--change", "CMD [\"sh\"]", TarPath, reference]);
        if (result.ExitCode != 0) throw new InvalidOperationException($"docker import failed: {result}");
        return result.Stdout.Trim();
    }

    private static string Build()
    {
        const string busybox = "/bin/busybox";
        if (!File.Exists(busybox)) throw new InvalidOperationException("busybox-static is not installed (make test installs it)");
        string root = Path.Combine(Path.GetTempPath(), $"moat-busybox-{Environment.ProcessId}");
        string rootfs = Path.Combine(root, "rootfs");
        if (Directory.Exists(root)) Directory.Delete(root, true);
        foreach (var d in new[] { "bin", "etc", "tmp", "root", "proc", "sys", "dev", "usr/bin", "usr/sbin", "sbin", "var", "home" })
            Directory.CreateDirectory(Path.Combine(rootfs, d));
        File.Copy(busybox, Path.Combine(rootfs, "bin/busybox"));
        File.SetUnixFileMode(Path.Combine(rootfs, "tmp"), (UnixFileMode)Convert.ToInt32("1777", 8));

        var list = Process.Start(new ProcessStartInfo(busybox, "--list-full") { RedirectStandardOutput = true })!;
        string applets = list.StandardOutput.ReadToEnd();
        list.WaitForExit();
        foreach (var line in applets.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            string target = Path.Combine(rootfs, line.Trim());
            if (File.Exists(target) || line.Trim() == "bin/busybox") continue;
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            string depth = string.Concat(Enumerable.Repeat("../", line.Count(c => c == '/')));
            File.CreateSymbolicLink(target, depth + "bin/busybox");
        }
        File.WriteAllText(Path.Combine(rootfs, "etc/passwd"), "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/home:/bin/false\n");
        File.WriteAllText(Path.Combine(rootfs, "etc/group"), "root:x:0:\nnobody:x:65534:\n");

        string tar = Path.Combine(root, "busybox.tar");
        var p = Process.Start(new ProcessStartInfo("tar", ["--numeric-owner", "--owner=0", "--group=0", "-C", rootfs, "-cf", tar, "."]))!;
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException("tar failed");
        return tar;
    }
}
