namespace Moat.Engine.Runtime;

/// <summary>Daemon-wide settings of the runtime layer (from dockerd's flags / daemon.json keys).</summary>
public sealed record RuntimeOptions
{
    /// <summary>--exec-root: runtime state (exec-root/runtime-&lt;name&gt;) and monitor sockets live below it.</summary>
    public string ExecRoot { get; init; } = "/var/run/docker";
    /// <summary>"runc" or a key of <see cref="Runtimes"/>.</summary>
    public string DefaultRuntime { get; init; } = "runc";
    /// <summary>"runtimes" in daemon.json: name → path and extra args.</summary>
    public IReadOnlyDictionary<string, RuntimeDefinition> Runtimes { get; init; } = new Dictionary<string, RuntimeDefinition>();
    /// <summary>The monitor executable (dist/moat-shim); null = moat-shim next to the running executable.</summary>
    public string? ShimPath { get; init; }
    /// <summary>--no-new-privileges: the default for containers that do not say.</summary>
    public bool NoNewPrivileges { get; init; }
    /// <summary>--seccomp-profile: "builtin", "unconfined" or a file path.</summary>
    public string SeccompProfile { get; init; } = "builtin";
    /// <summary>--default-ulimit.</summary>
    public IReadOnlyList<Ulimit> DefaultUlimits { get; init; } = [];
    /// <summary>Parent of every container's cgroup (cgroupfs driver): cgroupsPath = CgroupParent/&lt;id&gt;.</summary>
    public string CgroupParent { get; init; } = "/moat";
}

/// <param name="Path">The runtime binary; a bare name is looked up in PATH.</param>
public sealed record RuntimeDefinition(string Path, IReadOnlyList<string>? RuntimeArgs = null);
