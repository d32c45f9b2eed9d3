namespace Moat.Api.SystemInfo;

/// <summary>
/// What GET /info reports from the daemon's configuration. The daemon fills it from its settings (the API
/// does not depend on Moat.Daemon); defaults are dockerd's.
/// </summary>
public sealed record DaemonFacts
{
    /// <summary>--data-root; also where the persistent engine ID lives (data-root/engine-id).</summary>
    public string DataRoot { get; init; } = "/var/lib/docker";
    /// <summary>The engine ID the daemon loaded at start (<see cref="SystemInfo.EngineId"/>); null = load it from <see cref="DataRoot"/> on first use.</summary>
    public string? EngineId { get; init; }
    public bool Debug { get; init; }
    public IReadOnlyList<string> Labels { get; init; } = [];
    public bool LiveRestore { get; init; }
    public string DefaultRuntime { get; init; } = "runc";
    /// <summary>Configured runtimes by name (path, args); "runc" is always present.</summary>
    public IReadOnlyDictionary<string, DaemonRuntime> Runtimes { get; init; } = new Dictionary<string, DaemonRuntime>();
    public bool NoNewPrivileges { get; init; }
    /// <summary>"builtin" (default), "unconfined" or a profile path.</summary>
    public string SeccompProfile { get; init; } = "builtin";
    public string? UsernsRemap { get; init; }
    public string LoggingDriver { get; init; } = "json-file";
    public IReadOnlyList<string> InsecureRegistries { get; init; } = [];
    public IReadOnlyList<string> RegistryMirrors { get; init; } = [];
    /// <summary>"cgroupfs" or "systemd" from exec-opts native.cgroupdriver; null = detect as dockerd.</summary>
    public string? CgroupDriver { get; init; }
    /// <summary>True when an authorization policy is configured; false = dockerd's "everyone is root" (warned about in /info).</summary>
    public bool AuthorizationConfigured { get; init; }
}

public sealed record DaemonRuntime(string Path, IReadOnlyList<string> Args);

/// <summary>
/// The facts in force now: the daemon replaces them on SIGHUP (debug, labels, registries…), so /info reads
/// <see cref="Current"/> on every request instead of keeping the start-up copy.
/// </summary>
public sealed class DaemonFactsSource(Func<DaemonFacts> current)
{
    public DaemonFacts Current => current();
}
