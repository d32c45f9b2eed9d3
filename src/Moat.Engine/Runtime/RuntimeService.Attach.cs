using System.Collections.Concurrent;
using System.Net.Sockets;
using Moat.Engine.Errors;

namespace Moat.Engine.Runtime;

public sealed partial class RuntimeService
{
    /// <summary>Attach connections waiting for the container's next monitor (docker run attaches before start).</summary>
    private readonly ConcurrentDictionary<string, List<TaskCompletionSource<Socket>>> _pendingAttaches = new(StringComparer.Ordinal);

    /// <summary>
    /// A connection to the container's attach socket: at once when its monitor runs, else (with
    /// <paramref name="untilStarted"/>) once the next start has created the monitor and before the process runs,
    /// so no output is missed. The wait is registered before this returns its task.
    /// </summary>
    public Task<Socket> ConnectAttachAsync(string id, bool untilStarted, CancellationToken cancellationToken)
    {
        Load(id);
        string stateDir = StateDir(id);
        if (ContainerMonitor.RunningShimPid(stateDir) is not null && ContainerMonitor.ReadExit(stateDir) is null)
        {
            try { return Task.FromResult(ConnectUnix(AttachSocketPath(id))); }
            catch (SocketException) when (untilStarted) { }
        }
        if (!untilStarted) throw new ConflictException($"container {id} is not running");
        var pending = new TaskCompletionSource<Socket>(TaskCreationOptions.RunContinuationsAsynchronously);
        var list = _pendingAttaches.GetOrAdd(id, _ => []);
        lock (list) list.Add(pending);
        cancellationToken.Register(() =>
        {
            lock (list) list.Remove(pending);
            pending.TrySetCanceled(cancellationToken);
        });
        return pending.Task;
    }

    private bool HasPendingAttaches(string id)
    {
        if (!_pendingAttaches.TryGetValue(id, out var list)) return false;
        lock (list) return list.Count > 0;
    }

    /// <summary>Between create and start: hands the new monitor's attach socket to everyone waiting for it.</summary>
    private void ConnectPendingAttaches(string id)
    {
        if (!_pendingAttaches.TryGetValue(id, out var list)) return;
        TaskCompletionSource<Socket>[] waiting;
        lock (list)
        {
            waiting = [.. list];
            list.Clear();
        }
        foreach (var w in waiting)
        {
            try
            {
                var socket = ConnectUnix(AttachSocketPath(id));
                if (!w.TrySetResult(socket)) socket.Dispose();
            }
            catch (SocketException e) { w.TrySetException(new UnavailableException($"cannot attach to the container: {e.Message}", e)); }
        }
    }

    /// <summary>A connection to an exec's stdio (its monitor holds output until this connects).</summary>
    public Socket ConnectExec(ExecStarted exec) => ConnectUnix(exec.AttachSocket);

    private static Socket ConnectUnix(string path)
    {
        // sun_path holds 107 bytes; a deep exec-root does not fit. The monitor's cwd is its state dir, so its
        // /proc/<pid>/cwd reaches the same socket by a short path.
        if (System.Text.Encoding.UTF8.GetByteCount(path) > 100
            && ContainerMonitor.RunningShimPid(Path.GetDirectoryName(path)!) is int shim)
            path = $"/proc/{shim}/cwd/{Path.GetFileName(path)}";
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            socket.Connect(new UnixDomainSocketEndPoint(path));
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
