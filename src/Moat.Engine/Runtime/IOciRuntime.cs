using Moat.Engine.Runtime.Oci;

namespace Moat.Engine.Runtime;

/// <summary>
/// An OCI runtime (runc, crun) driven through its command line. Exec goes through the monitor (it must own the process's
/// stdio): see RuntimeService.ExecAsync. Every call is one runtime invocation; errors come
/// back as <see cref="OciRuntimeException"/> subclasses by category, with the runtime's own message.
/// </summary>
public interface IOciRuntime
{
    /// <summary>The name it is registered under ("runc").</summary>
    string Name { get; }
    /// <summary>The binary.</summary>
    string Path { get; }
    /// <summary>Arguments before the command: --root, --log-format and the configured runtimeArgs.</summary>
    IReadOnlyList<string> GlobalArgs { get; }

    /// <summary>`create`: sets the container up and leaves its init waiting for <see cref="StartAsync"/>. The monitor normally does this itself.</summary>
    Task CreateAsync(string id, string bundle, string pidFile, string? consoleSocket, CancellationToken cancellationToken);
    Task StartAsync(string id, CancellationToken cancellationToken);
    Task<OciState> StateAsync(string id, CancellationToken cancellationToken);
    Task<IReadOnlyList<OciState>> ListAsync(CancellationToken cancellationToken);
    /// <param name="all">Signal every process of the container, not only init.</param>
    Task KillAsync(string id, int signal, bool all, CancellationToken cancellationToken);
    Task DeleteAsync(string id, bool force, CancellationToken cancellationToken);
    /// <summary>Whether the runtime has state for <paramref name="id"/> (so state/delete would find it); no process is started.</summary>
    bool HasState(string id);
    /// <summary>
    /// Forgets a container whose processes have all exited, as `delete` does (its cgroups, its state dir), without
    /// starting the runtime when that is not needed; a container that still has processes is deleted with --force.
    /// </summary>
    Task ReleaseStoppedAsync(string id, CancellationToken cancellationToken);
    Task PauseAsync(string id, CancellationToken cancellationToken);
    Task ResumeAsync(string id, CancellationToken cancellationToken);
    /// <summary>`update --resources -`: new cgroup limits for a live container.</summary>
    Task UpdateAsync(string id, OciResources resources, CancellationToken cancellationToken);
}
