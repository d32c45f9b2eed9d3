using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Moat.Engine.Errors;
using Moat.Engine.Runtime.Oci;

namespace Moat.Engine.Runtime;

/// <summary>
/// The command-line contract runc and crun share (runtime-tools' "runtime CLI"): global --root and --log-format,
/// create/start/state/kill/delete/pause/resume/update (exec is run by moat-shim). State lives under &lt;exec-root&gt;/runtime-&lt;name&gt;.
/// </summary>
public abstract class CliOciRuntime : IOciRuntime
{
    private const int MaxOutputBytes = 4 << 20;
    private readonly List<string> _globalArgs;

    protected CliOciRuntime(string name, string path, string stateRoot, IReadOnlyList<string>? extraArgs)
    {
        Name = name;
        Path = path;
        StateRoot = stateRoot;
        _globalArgs = ["--root", stateRoot, "--log-format", "json", .. extraArgs ?? []];
    }

    public string Name { get; }
    public string Path { get; }
    public string StateRoot { get; }
    public IReadOnlyList<string> GlobalArgs => _globalArgs;

    public Task CreateAsync(string id, string bundle, string pidFile, string? consoleSocket, CancellationToken cancellationToken)
    {
        var args = new List<string> { "create", "--bundle", bundle, "--pid-file", pidFile };
        if (consoleSocket is not null) args.AddRange(["--console-socket", consoleSocket]);
        args.Add(id);
        return RunAsync(args, null, cancellationToken);
    }

    public Task StartAsync(string id, CancellationToken cancellationToken) => RunAsync(["start", id], null, cancellationToken);

    public async Task<OciState> StateAsync(string id, CancellationToken cancellationToken)
    {
        string json = await RunAsync(["state", id], null, cancellationToken);
        return JsonSerializer.Deserialize(json, OciJsonContext.Default.OciState) ?? throw new OciRuntimeException($"{Name} state printed nothing", 0);
    }

    public async Task<IReadOnlyList<OciState>> ListAsync(CancellationToken cancellationToken)
    {
        if (!Directory.Exists(StateRoot)) return [];
        string json = await RunAsync(["list", "--format", "json"], null, cancellationToken);
        return JsonSerializer.Deserialize(json, OciJsonContext.Default.ListOciState) ?? [];
    }

    public Task KillAsync(string id, int signal, bool all, CancellationToken cancellationToken) =>
        RunAsync(all ? ["kill", "--all", id, signal.ToString(System.Globalization.CultureInfo.InvariantCulture)] : ["kill", id, signal.ToString(System.Globalization.CultureInfo.InvariantCulture)], null, cancellationToken);

    public Task DeleteAsync(string id, bool force, CancellationToken cancellationToken) =>
        RunAsync(force ? ["delete", "--force", id] : ["delete", id], null, cancellationToken);

    public bool HasState(string id) =>
        !id.Contains('/') && id != "." && id != ".." && Directory.Exists(System.IO.Path.Combine(StateRoot, id));

    public async Task ReleaseStoppedAsync(string id, CancellationToken cancellationToken)
    {
        if (!HasState(id)) return;
        string dir = System.IO.Path.Combine(StateRoot, id);
        // runc's state.json lists every cgroup it made; removing those and the dir is all `runc delete` does for a
        // stopped container (no hooks are configured). Other runtimes, or anything still busy: the runtime's delete.
        var cgroups = CgroupPaths(System.IO.Path.Combine(dir, "state.json"));
        if (cgroups is not null && await RemoveCgroupsAsync(cgroups, cancellationToken))
        {
            try { Directory.Delete(dir, recursive: true); }
            catch (DirectoryNotFoundException) { }
            return;
        }
        try { await DeleteAsync(id, force: true, cancellationToken); }
        catch (RuntimeContainerNotFoundException) { }
    }

    /// <summary>The "cgroup_paths" values of runc's state.json, or null when there is no such list.</summary>
    internal static List<string>? CgroupPaths(string stateFile)
    {
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(stateFile));
            if (!doc.RootElement.TryGetProperty("cgroup_paths", out var paths) || paths.ValueKind != JsonValueKind.Object) return null;
            var list = new List<string>();
            foreach (var p in paths.EnumerateObject())
            {
                string? path = p.Value.GetString();
                if (string.IsNullOrEmpty(path) || !path.StartsWith("/sys/fs/cgroup/", StringComparison.Ordinal) || path.Contains("/../", StringComparison.Ordinal)) return null;
                list.Add(path);
            }
            return list;
        }
        catch (Exception e) when (e is IOException or JsonException or InvalidOperationException or UnauthorizedAccessException) { return null; }
    }

    /// <summary>rmdir of each cgroup, retried briefly while the last processes are reaped; false if one stays busy.</summary>
    private static async Task<bool> RemoveCgroupsAsync(List<string> cgroups, CancellationToken cancellationToken)
    {
        var delay = TimeSpan.FromMilliseconds(10);
        for (int attempt = 0; ; attempt++)
        {
            bool busy = false;
            foreach (var path in cgroups)
            {
                try { Directory.Delete(path, recursive: false); }
                catch (DirectoryNotFoundException) { }
                catch (IOException) { busy = true; }
            }
            if (!busy) return true;
            if (attempt == 4) return false;
            await Task.Delay(delay, cancellationToken);
            delay *= 2;
        }
    }

    public Task PauseAsync(string id, CancellationToken cancellationToken) => RunAsync(["pause", id], null, cancellationToken);

    public Task ResumeAsync(string id, CancellationToken cancellationToken) => RunAsync(["resume", id], null, cancellationToken);

    public Task UpdateAsync(string id, OciResources resources, CancellationToken cancellationToken) =>
        RunAsync(["update", "--resources", "-", id], JsonSerializer.Serialize(resources, OciJsonContext.Default.OciResources), cancellationToken);

    /// <summary>Runs the runtime, returns stdout; a non-zero exit becomes an exception by category.</summary>
    protected async Task<string> RunAsync(IReadOnlyList<string> args, string? stdin, CancellationToken cancellationToken)
    {
        var psi = new ProcessStartInfo(Path)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var a in _globalArgs) psi.ArgumentList.Add(a);
        foreach (var a in args) psi.ArgumentList.Add(a);
        Process process;
        try { process = Process.Start(psi) ?? throw new OciRuntimeException($"could not start {Path}", -1); }
        catch (System.ComponentModel.Win32Exception e) { throw new UnavailableException($"OCI runtime {Name} ({Path}) cannot be started: {e.Message}", e); }
        using (process)
        {
            var stdout = ReadBoundedAsync(process.StandardOutput.BaseStream, cancellationToken);
            var stderr = ReadBoundedAsync(process.StandardError.BaseStream, cancellationToken);
            if (stdin is not null) await process.StandardInput.WriteAsync(stdin);
            process.StandardInput.Close();
            try { await process.WaitForExitAsync(cancellationToken); }
            catch (OperationCanceledException) { try { process.Kill(); } catch (InvalidOperationException) { } throw; }
            string output = await stdout, error = await stderr;
            if (process.ExitCode != 0) throw Translate(args[0], ErrorMessage(error), process.ExitCode);
            return output;
        }
    }

    private static async Task<string> ReadBoundedAsync(Stream stream, CancellationToken cancellationToken)
    {
        var buffer = new MemoryStream();
        var chunk = new byte[8192];
        int n;
        while ((n = await stream.ReadAsync(chunk, cancellationToken)) > 0)
            if (buffer.Length < MaxOutputBytes) buffer.Write(chunk, 0, n);
        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    /// <summary>The "msg" of the runtime's JSON log lines at level error (or the raw text when it is not JSON).</summary>
    internal static string ErrorMessage(string stderr)
    {
        var messages = new List<string>();
        foreach (var line in stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (line.StartsWith('{'))
            {
                try
                {
                    using var doc = JsonDocument.Parse(line);
                    if (doc.RootElement.TryGetProperty("msg", out var msg) && msg.ValueKind == JsonValueKind.String)
                    {
                        string level = doc.RootElement.TryGetProperty("level", out var l) ? l.GetString() ?? "" : "";
                        if (level is "error" or "fatal" or "") messages.Add(msg.GetString()!);
                        continue;
                    }
                }
                catch (JsonException) { }
            }
            messages.Add(line);
        }
        return messages.Count > 0 ? string.Join("; ", messages) : "unknown error (no output)";
    }

    internal Exception Translate(string command, string message, int exitCode)
    {
        string text = $"{Name} {command}: {message}";
        if (message.Contains("does not exist", StringComparison.OrdinalIgnoreCase) || message.Contains("not found", StringComparison.OrdinalIgnoreCase) && message.Contains("container", StringComparison.OrdinalIgnoreCase) && !message.Contains("executable", StringComparison.OrdinalIgnoreCase))
            return new RuntimeContainerNotFoundException(text);
        if (message.Contains("already exists", StringComparison.OrdinalIgnoreCase) || message.Contains("container with id exists", StringComparison.OrdinalIgnoreCase)
            || message.Contains("not running", StringComparison.OrdinalIgnoreCase) || message.Contains("not paused", StringComparison.OrdinalIgnoreCase)
            || message.Contains("not stopped", StringComparison.OrdinalIgnoreCase) || message.Contains("is paused", StringComparison.OrdinalIgnoreCase)
            || message.Contains("cannot start", StringComparison.OrdinalIgnoreCase) && message.Contains("state", StringComparison.OrdinalIgnoreCase)
            || message.Contains("invalid state", StringComparison.OrdinalIgnoreCase) || message.Contains("process already finished", StringComparison.OrdinalIgnoreCase))
            return new RuntimeStateException(text);
        return new OciRuntimeException(text, exitCode);
    }
}
