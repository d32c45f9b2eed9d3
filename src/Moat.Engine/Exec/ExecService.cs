using System.Collections.Concurrent;
using System.Globalization;
using System.Net.Sockets;
using System.Security.Cryptography;
using Moat.Engine.Containers;
using Moat.Engine.Errors;
using Moat.Engine.Events;
using Moat.Engine.Runtime;

namespace Moat.Engine.Exec;

/// <summary>What <see cref="ExecService.CreateAsync"/> takes (the decoded POST /containers/{id}/exec body).</summary>
public sealed record ExecCreateOptions
{
    public required IReadOnlyList<string> Cmd { get; init; }
    public IReadOnlyList<string> Env { get; init; } = [];
    public string User { get; init; } = "";
    public string WorkingDir { get; init; } = "";
    public bool Privileged { get; init; }
    public bool Tty { get; init; }
    public bool AttachStdin { get; init; }
    public bool AttachStdout { get; init; }
    public bool AttachStderr { get; init; }
    public string DetachKeys { get; init; } = "";
    public (int Height, int Width)? ConsoleSize { get; init; }
}

/// <summary>A started exec: its stdio (null when detached) and how to finish it.</summary>
public sealed record ExecSession(ExecRecord Exec, Socket? Stdio);

/// <summary>
/// docker exec: exec instances live in memory (as in dockerd) next to their container; each runs under its own
/// moat-shim (a native exec for runc and crun, else `runtime exec`), so it gets the container's namespaces,
/// cgroup, capabilities, seccomp and no_new_privs. Ended instances are kept for <see cref="Retention"/> (the CLI inspects one for its exit code) and
/// until their container is removed.
/// </summary>
public sealed class ExecService(ContainerService containers, EventBus events, TimeProvider time, RuntimeService? runtime = null)
{
    public static readonly TimeSpan Retention = TimeSpan.FromMinutes(10);
    /// <summary>Exec instances per container, live or kept: bounded so a client cannot grow the daemon without limit.</summary>
    public const int MaxPerContainer = 1024;

    private readonly ConcurrentDictionary<string, ExecRecord> _execs = new(StringComparer.Ordinal);

    private RuntimeService Runtime => runtime ?? throw new UnavailableException("no container runtime is configured");

    /// <summary>Creates an exec instance in a running container (dockerd's checks and texts).</summary>
    public ExecRecord Create(ContainerRecord container, ExecCreateOptions options)
    {
        CheckRunning(container);
        if (options.Cmd.Count == 0) throw new InvalidArgumentException("No exec command specified");
        if (options.DetachKeys.Length > 0 && !DetachKeys.TryParse(options.DetachKeys, out _))
            throw new InvalidArgumentException($"Invalid escape keys ({options.DetachKeys}) provided");
        Prune();
        if (_execs.Values.Count(e => e.ContainerId == container.Id) >= MaxPerContainer)
            throw new ConflictException($"container {container.Id} has too many exec instances ({MaxPerContainer})");
        var exec = new ExecRecord
        {
            Id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32)),
            ContainerId = container.Id,
            Owner = container.Owner,
            Cmd = options.Cmd,
            Env = options.Env,
            User = options.User,
            WorkingDir = options.WorkingDir,
            Privileged = options.Privileged,
            Tty = options.Tty,
            AttachStdin = options.AttachStdin,
            AttachStdout = options.AttachStdout,
            AttachStderr = options.AttachStderr,
            DetachKeys = options.DetachKeys,
            ConsoleSize = options.ConsoleSize,
        };
        _execs[exec.Id] = exec;
        Publish(container, "exec_create: " + string.Join(' ', exec.Cmd), exec.Id);
        return exec;
    }

    /// <summary>The exec instance, if its container still exists.</summary>
    public ExecRecord Get(string id)
    {
        if (!_execs.TryGetValue(id, out var exec)) throw new ExecNotFoundException(id);
        if (containers.Store.TryGet(exec.ContainerId) is null)
        {
            _execs.TryRemove(id, out _);
            throw new ExecNotFoundException(id);
        }
        return exec;
    }

    /// <summary>The container's exec instances that have not ended (Docker's ExecIDs).</summary>
    public List<string>? IdsOf(string containerId)
    {
        var ids = _execs.Values.Where(e => e.ContainerId == containerId && !e.CanRemove).Select(e => e.Id).ToList();
        return ids.Count == 0 ? null : ids;
    }

    /// <summary>
    /// Starts the exec: (1) checks it ran never and its container runs, (2) launches it under a monitor,
    /// (3) connects to its stdio unless detached. The exit is recorded by <see cref="FinishAsync"/> (attached)
    /// or in the background.
    /// </summary>
    public async Task<ExecSession> StartAsync(string id, bool detach, bool? tty, (int Height, int Width)? consoleSize, CancellationToken cancellationToken)
    {
        var exec = Get(id);
        var container = containers.Get(exec.ContainerId);
        lock (exec)
        {
            if (exec.Running) throw new ConflictException($"Error: Exec command {id} is already running");
            if (exec.Started) throw new ConflictException($"Error: Exec command {id} has already run");
            CheckRunning(container);
            exec.Started = true;
            exec.Running = true;
        }
        if (tty is { } t) exec.Tty = t;
        if (consoleSize is { } size) exec.ConsoleSize = size;
        Publish(container, "exec_start: " + string.Join(' ', exec.Cmd), exec.Id);
        ExecStarted started;
        try
        {
            var process = Runtime.BuildExecProcess(container.Id, exec.Cmd, exec.Env, exec.User, exec.WorkingDir, exec.Tty, exec.Privileged);
            if (exec.Tty && exec.ConsoleSize is { Height: > 0, Width: > 0 } cs)
                process.ConsoleSize = new Runtime.Oci.OciBox { Height = (uint)cs.Height, Width = (uint)cs.Width };
            started = await Runtime.ExecAsync(container.Id, exec.Id, process, exec.AttachStdin && !detach, cancellationToken, holdOutput: !detach);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // As dockerd: a process that cannot start ends the exec with 126/127.
            string message = e.Message;
            int code = message.Contains("executable file not found", StringComparison.Ordinal) || message.Contains("no such file or directory", StringComparison.Ordinal) ? 127 : 126;
            End(container, exec, code);
            if (e is OciRuntimeException or RuntimeStateException)
                throw new ExecStartException(DockerText(message), e);
            throw;
        }
        exec.Pid = started.Pid;
        Socket? stdio = null;
        if (!detach)
        {
            try { stdio = Runtime.ConnectExec(started); }
            catch (SocketException) { }
        }
        _ = Task.Run(() => WatchAsync(container, exec), CancellationToken.None);
        return new ExecSession(exec, stdio);
    }

    /// <summary>After the attached stream ended (the monitor closes it once the process exited): record the exit now.</summary>
    public async Task FinishAsync(ExecRecord exec, CancellationToken cancellationToken)
    {
        if (!exec.Running) return;
        try
        {
            using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            cts.CancelAfter(TimeSpan.FromSeconds(5));
            int code = await Runtime.WaitExecAsync(exec.Id, cts.Token);
            var container = containers.Store.TryGet(exec.ContainerId);
            if (container is not null) End(container, exec, code);
        }
        catch (OperationCanceledException) { }
        catch (NotFoundException) { }
    }

    private async Task WatchAsync(ContainerRecord container, ExecRecord exec)
    {
        try
        {
            int code = await Runtime.WaitExecAsync(exec.Id, CancellationToken.None);
            End(container, exec, code);
        }
        catch (NotFoundException) { End(container, exec, 255); }
    }

    private void End(ContainerRecord container, ExecRecord exec, int code)
    {
        lock (exec)
        {
            if (exec.ExitCode is not null) return;
            exec.ExitCode = code;
            exec.Running = false;
            exec.FinishedAt = time.GetUtcNow();
        }
        try { runtime?.RemoveExec(exec.Id); } catch (IOException) { }
        Publish(container, "exec_die", exec.Id, new() { ["exitCode"] = code.ToString(CultureInfo.InvariantCulture) });
    }

    /// <summary>Resizes the exec's TTY (dockerd: the container must run and the exec must have started).</summary>
    public void Resize(string id, int height, int width)
    {
        var exec = Get(id);
        CheckRunning(containers.Get(exec.ContainerId));
        if (!exec.Running) throw new InvalidArgumentException("exec process is not started");
        if (!exec.Tty || height <= 0 || width <= 0) return;
        try { Runtime.ResizeExec(id, height, width); }
        catch (ConflictException) { }
    }

    private static void CheckRunning(ContainerRecord c)
    {
        switch (c.State.Status)
        {
            case ContainerStatus.Paused:
                throw new ConflictException($"Container {c.Id} is paused, unpause the container before exec");
            case ContainerStatus.Restarting:
                throw new ConflictException($"Container {c.Id} is restarting, wait until the container is running");
            case not ContainerStatus.Running:
                throw new ConflictException($"container {c.Id} is not running");
        }
    }

    private void Prune()
    {
        var cutoff = time.GetUtcNow() - Retention;
        foreach (var (id, e) in _execs)
            if ((e.FinishedAt is { } f && f < cutoff) || containers.Store.TryGet(e.ContainerId) is null)
                _execs.TryRemove(id, out _);
    }

    private void Publish(ContainerRecord container, string action, string execId, Dictionary<string, string>? extra = null)
    {
        var attributes = new Dictionary<string, string>(StringComparer.Ordinal);
        if (container.Config.Labels is not null)
            foreach (var (k, v) in container.Config.Labels) attributes[k] = v;
        attributes["image"] = container.Config.Image;
        attributes["name"] = container.Name.TrimStart('/');
        attributes["execID"] = execId;
        if (extra is not null) foreach (var (k, v) in extra) attributes[k] = v;
        events.Publish("container", action, container.Id, attributes, container.Owner);
    }

    /// <summary>dockerd's wording for a process that did not start: "OCI runtime exec failed: …: unknown".</summary>
    internal static string DockerText(string message)
    {
        int colon = message.IndexOf(" exec: ", StringComparison.Ordinal);
        string inner = colon >= 0 && colon < 16 ? message[(colon + 7)..] : message;
        return $"OCI runtime exec failed: {inner.Trim()}: unknown";
    }
}

/// <summary>The exec's process could not start (written into the stream, as dockerd does).</summary>
public sealed class ExecStartException(string message, Exception? inner = null) : MoatException(message, inner)
{
    public override ErrorCategory Category => ErrorCategory.InvalidArgument;
}
