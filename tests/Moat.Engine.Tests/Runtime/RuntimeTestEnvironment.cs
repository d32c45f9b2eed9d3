using System.Diagnostics;
using System.Text.Json;
using Moat.Engine.Runtime;

namespace Moat.Engine.Tests.Runtime;

/// <summary>
/// Real-runtime test support: a busybox rootfs made from Debian's busybox-static, moat-shim compiled from
/// src/Moat.Shim with the machine's gcc, and a per-test exec-root under a short /tmp path.
/// </summary>
internal static class RuntimeTestEnvironment
{
    private static readonly Lazy<string> Busybox = new(BuildBusyboxRootfs, LazyThreadSafetyMode.ExecutionAndPublication);
    private static readonly Lazy<string> Shim = new(CompileShim, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>A shared read-only busybox rootfs (use it as an overlay lower dir, or copy it).</summary>
    public static string BusyboxRootfs => Busybox.Value;

    public static string ShimPath => Shim.Value;

    static RuntimeTestEnvironment()
    {
        // Per-run scratch (compiled shim, busybox rootfs) goes when the test process ends.
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            foreach (var dir in new[] { $"moat-shim-test-{Environment.ProcessId}", $"moat-rt-busybox-{Environment.ProcessId}" })
            {
                try { Directory.Delete(Path.Combine(Path.GetTempPath(), dir), recursive: true); }
                catch (IOException) { }
                catch (UnauthorizedAccessException) { }
            }
        };
    }

    public static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Moat.slnx"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("Moat.slnx not found above the test binaries");
    }

    private static string CompileShim()
    {
        string dir = Path.Combine(Path.GetTempPath(), $"moat-shim-test-{Environment.ProcessId}");
        Directory.CreateDirectory(dir);
        string output = Path.Combine(dir, "moat-shim");
        var result = Run("gcc", ["-O2", "-Wall", "-Wextra", "-Werror", "-o", output, Path.Combine(RepoRoot(), "src/Moat.Shim/moat-shim.c"), Path.Combine(RepoRoot(), "src/Moat.Shim/native-exec.c"), "-lseccomp"]);
        if (result.ExitCode != 0) throw new InvalidOperationException("compiling moat-shim failed: " + result.Stderr);
        return output;
    }

    /// <summary>Writes a busybox rootfs into <paramref name="rootfs"/>.</summary>
    public static void WriteBusyboxRootfs(string rootfs)
    {
        const string busybox = "/bin/busybox";
        if (!File.Exists(busybox)) throw new InvalidOperationException("busybox-static is not installed (scripts/deps.sh installs it)");
        foreach (var d in new[] { "bin", "etc", "tmp", "root", "proc", "sys", "dev", "usr/bin", "usr/sbin", "sbin", "var", "home", "data" })
            Directory.CreateDirectory(Path.Combine(rootfs, d));
        File.Copy(busybox, Path.Combine(rootfs, "bin/busybox"), overwrite: true);
        File.SetUnixFileMode(Path.Combine(rootfs, "tmp"), (UnixFileMode)Convert.ToInt32("1777", 8));
        var list = Run(busybox, ["--list-full"]);
        foreach (var line in list.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (line == "bin/busybox") continue;
            string target = Path.Combine(rootfs, line);
            if (File.Exists(target)) continue;
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.CreateSymbolicLink(target, "/bin/busybox");
        }
        File.WriteAllText(Path.Combine(rootfs, "etc/passwd"),
            "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/home:/bin/false\napp:x:1000:1000:app:/home/app:/bin/sh\n");
        File.WriteAllText(Path.Combine(rootfs, "etc/group"),
            "root:x:0:\nnobody:x:65534:\napp:x:1000:\nstaff:x:50:app\naudio:x:63:app,root\n");
    }

    private static string BuildBusyboxRootfs()
    {
        string root = Path.Combine(Path.GetTempPath(), $"moat-rt-busybox-{Environment.ProcessId}");
        if (Directory.Exists(root)) Directory.Delete(root, true);
        WriteBusyboxRootfs(root);
        return root;
    }

    public static (int ExitCode, string Stdout, string Stderr) Run(string file, IEnumerable<string> args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        p.WaitForExit();
        return (p.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>The "log" fields of a json-file log, by stream.</summary>
    public static (string Stdout, string Stderr) ReadJsonLog(string path)
    {
        var stdout = new System.Text.StringBuilder();
        var stderr = new System.Text.StringBuilder();
        if (!File.Exists(path)) return ("", "");
        foreach (var line in File.ReadAllLines(path))
        {
            using var doc = JsonDocument.Parse(line);
            string log = doc.RootElement.GetProperty("log").GetString()!;
            string stream = doc.RootElement.GetProperty("stream").GetString()!;
            _ = doc.RootElement.GetProperty("time").GetDateTimeOffset();
            (stream == "stdout" ? stdout : stderr).Append(log);
        }
        return (stdout.ToString(), stderr.ToString());
    }
}
