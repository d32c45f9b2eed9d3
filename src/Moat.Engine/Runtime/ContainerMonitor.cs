using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace Moat.Engine.Runtime;

/// <summary>What the monitor needs to create a container.</summary>
public sealed record MonitorLaunch(
    string Id, string Bundle, string StateDir, IOciRuntime Runtime, string? LogPath, long LogMaxSize, int LogMaxFile,
    bool Terminal, bool OpenStdin, bool StdinOnce, bool LoopbackUp)
{
    /// <summary>For an exec: the process.json to run with `runtime exec --detach` instead of create.</summary>
    public string? ExecProcessFile { get; init; }

    /// <summary>For an exec the monitor starts itself (<see cref="NativeExec"/>): its configuration file.</summary>
    public string? ExecNativeFile { get; init; }

    internal bool IsExec => ExecProcessFile is not null || ExecNativeFile is not null;

    /// <summary>
    /// Keep the output until the first client attaches: an exec (off when detached), or a container started with
    /// <see cref="Run"/> while attaches wait for it (docker run), so none of its first output is missed.
    /// </summary>
    public bool HoldOutput { get; init; } = true;

    /// <summary>Create and start at once (`runtime run --detach`) instead of `create`.</summary>
    public bool Run { get; init; }
}

/// <summary>
/// Starts moat-shim (src/Moat.Shim) for a container and reads what it leaves in the container's state dir:
/// shim.pid, init.pid, exit, the attach socket and the ctl fifo. The shim runs detached from moatd, so all of
/// this works the same after moatd restarts.
/// </summary>
public sealed class ContainerMonitor(string shimPath)
{
    public const string ExitFile = "exit";
    public const string AttachSocket = "attach";
    public const string ControlFifo = "ctl";

    public string ShimPath { get; } = shimPath;

    /// <summary>Finds moat-shim next to the running executable (dist/), else in PATH.</summary>
    public static string DefaultShimPath()
    {
        string local = Path.Combine(AppContext.BaseDirectory, "moat-shim");
        if (File.Exists(local)) return local;
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            string candidate = Path.Combine(dir, "moat-shim");
            if (File.Exists(candidate)) return candidate;
        }
        return local;
    }

    /// <summary>Runs `runtime create` under a new monitor; returns the container's init pid (host view).</summary>
    public async Task<int> LaunchAsync(MonitorLaunch launch, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(launch.StateDir);
        File.Delete(Path.Combine(launch.StateDir, ExitFile));
        var psi = new ProcessStartInfo(ShimPath)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        var a = psi.ArgumentList;
        a.Add("--id"); a.Add(launch.Id);
        a.Add("--bundle"); a.Add(launch.Bundle);
        a.Add("--state-dir"); a.Add(launch.StateDir);
        a.Add("--runtime"); a.Add(ResolveExecutable(launch.Runtime.Path));
        foreach (var g in launch.Runtime.GlobalArgs) { a.Add("--runtime-arg"); a.Add(g); }
        if (launch.LogPath is not null)
        {
            a.Add("--log-path"); a.Add(launch.LogPath);
            a.Add("--log-max-size"); a.Add(launch.LogMaxSize.ToString(CultureInfo.InvariantCulture));
            a.Add("--log-max-file"); a.Add(Math.Max(1, launch.LogMaxFile).ToString(CultureInfo.InvariantCulture));
        }
        if (launch.Terminal) a.Add("--terminal");
        if (launch.OpenStdin) a.Add("--stdin");
        if (launch.StdinOnce) a.Add("--stdin-once");
        if (launch.LoopbackUp) a.Add("--loopback-up");
        if (launch.Run && !launch.IsExec) a.Add("--run");
        if (launch.ExecProcessFile is not null) { a.Add("--exec-process"); a.Add(launch.ExecProcessFile); }
        else if (launch.ExecNativeFile is not null) { a.Add("--exec-native"); a.Add(launch.ExecNativeFile); }
        if (launch.HoldOutput && (launch.IsExec || launch.Run)) a.Add("--hold-output");

        Process process;
        try { process = Process.Start(psi)!; }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new Errors.UnavailableException($"the container monitor {ShimPath} cannot be started: {e.Message} (run `make build`)", e);
        }
        using (process)
        {
            process.StandardInput.Close();
            var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
            var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
            // The launcher waits for `create` only; no cancellation here, or a half-created container would be left behind.
            await process.WaitForExitAsync(CancellationToken.None);
            string output = await stdout, error = await stderr;
            if (process.ExitCode != 0)
            {
                string message = CliOciRuntime.ErrorMessage(error);
                throw launch.Runtime is CliOciRuntime cli ? cli.Translate(launch.IsExec ? "exec" : launch.Run ? "run" : "create", message, process.ExitCode) : new OciRuntimeException(message, process.ExitCode);
            }
            return int.Parse(output.Trim(), CultureInfo.InvariantCulture);
        }
    }

    /// <summary>The recorded exit, or null while the container has not exited (or never ran under a monitor).</summary>
    public static MonitorExitStatus? ReadExit(string stateDir)
    {
        string path = Path.Combine(stateDir, ExitFile);
        try
        {
            string json = File.ReadAllText(path);
            return JsonSerializer.Deserialize(json, Oci.OciJsonContext.Default.MonitorExitStatus);
        }
        catch (FileNotFoundException) { return null; }
        catch (DirectoryNotFoundException) { return null; }
        catch (JsonException) { return null; }
    }

    /// <summary>The monitor's pid if it is still running.</summary>
    public static int? RunningShimPid(string stateDir)
    {
        int pid = ReadPid(Path.Combine(stateDir, "shim.pid"));
        if (pid <= 0) return null;
        try
        {
            // The pid must still be our shim, not a recycled pid.
            string cmdline = File.ReadAllText($"/proc/{pid}/cmdline");
            return cmdline.Contains("moat-shim", StringComparison.Ordinal) && cmdline.Contains(stateDir, StringComparison.Ordinal) ? pid : null;
        }
        catch (IOException) { return null; }
    }

    public static int ReadPid(string path)
    {
        try { return int.TryParse(File.ReadAllText(path).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out int pid) ? pid : 0; }
        catch (IOException) { return 0; }
    }

    /// <summary>Sends a line to the monitor's control fifo ("resize 24 80", "close-stdin").</summary>
    public static void Control(string stateDir, string command)
    {
        string fifo = Path.Combine(stateDir, ControlFifo);
        // Opening a fifo for writing blocks until there is a reader: only talk to a live monitor.
        if (RunningShimPid(stateDir) is null) throw new Errors.ConflictException("the container's monitor is not running");
        using var fs = new FileStream(fifo, FileMode.Open, FileAccess.Write);
        fs.Write(System.Text.Encoding.ASCII.GetBytes(command + "\n"));
    }

    private static string ResolveExecutable(string path)
    {
        if (path.Contains('/')) return Path.GetFullPath(path);
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "/usr/sbin:/usr/bin:/sbin:/bin").Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            string candidate = Path.Combine(dir, path);
            if (File.Exists(candidate)) return candidate;
        }
        foreach (var dir in new[] { "/usr/sbin", "/usr/bin", "/sbin", "/bin", "/usr/local/bin", "/usr/local/sbin" })
        {
            string candidate = Path.Combine(dir, path);
            if (File.Exists(candidate)) return candidate;
        }
        return path;
    }
}
