namespace Moat.Daemon.Configuration;

/// <summary>
/// The daemon's effective configuration after flags and daemon.json are merged (dockerd's rules).
/// Keys keep dockerd's names; moatd-only keys are marked.
/// </summary>
public sealed record DaemonSettings
{
    public IReadOnlyList<string> Hosts { get; init; } = [];
    public bool Tls { get; init; }
    public bool TlsVerify { get; init; }
    public string? TlsCaCert { get; init; }
    public string? TlsCert { get; init; }
    public string? TlsKey { get; init; }
    public bool Debug { get; init; }
    public string LogLevel { get; init; } = "info";
    public string LogFormat { get; init; } = "text";
    public string Group { get; init; } = "docker";
    public string DataRoot { get; init; } = "/var/lib/docker";
    public string ExecRoot { get; init; } = "/var/run/docker";
    public string PidFile { get; init; } = "/var/run/docker.pid";
    public string ConfigFile { get; init; } = "/etc/docker/daemon.json";
    public bool ConfigFileExplicit { get; init; }

    public string DefaultRuntime { get; init; } = "runc";
    public IReadOnlyDictionary<string, RuntimeSettings> Runtimes { get; init; } = new Dictionary<string, RuntimeSettings>();
    public bool LiveRestore { get; init; }
    public bool NoNewPrivileges { get; init; }
    public string? UsernsRemap { get; init; }
    public bool Icc { get; init; } = true;
    public string SeccompProfile { get; init; } = "builtin";
    public IReadOnlyDictionary<string, UlimitSettings> DefaultUlimits { get; init; } = new Dictionary<string, UlimitSettings>();
    public string LogDriver { get; init; } = "json-file";
    public IReadOnlyDictionary<string, string> LogOpts { get; init; } = new Dictionary<string, string>();
    public IReadOnlyList<string> Labels { get; init; } = [];
    public IReadOnlyList<string> InsecureRegistries { get; init; } = [];
    public IReadOnlyList<string> RegistryMirrors { get; init; } = [];

    // moatd-only keys
    /// <summary>"1.2" (default) or "1.3".</summary>
    public string TlsMinVersion { get; init; } = "1.2";
    /// <summary>CRL file (PEM or DER) checked on every new TLS handshake.</summary>
    public string? TlsCrl { get; init; }
    /// <summary>Authorization policy file; null = dockerd's behaviour (everyone who connects is admin).</summary>
    public string? AuthorizationPolicy { get; init; }
    public string AuditLog { get; init; } = "/var/log/moat/audit.log";
}

public sealed record RuntimeSettings(string Path, IReadOnlyList<string> RuntimeArgs);

public sealed record UlimitSettings(string Name, long Soft, long Hard);
