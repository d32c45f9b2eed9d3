namespace Moat.Daemon.Configuration;

/// <summary>
/// The daemon's effective configuration after flags and daemon.json are merged (dockerd's rules).
/// Keys keep dockerd's names; moatd-only keys are marked. Built by <see cref="DaemonConfigLoader"/>.
/// </summary>
public sealed record DaemonSettings
{
    public const string DefaultConfigFile = "/etc/docker/daemon.json";
    public const string DefaultAuditLog = "/var/log/moat/audit.log";

    /// <summary>Normalized, de-duplicated and sorted listen addresses (<c>tcp://localhost:2375</c>, <c>unix:///var/run/docker.sock</c>, <c>fd://</c>).</summary>
    public IReadOnlyList<string> Hosts { get; init; } = [HostAddress.DefaultUnixHost];

    /// <summary><see cref="Hosts"/> parsed, same order.</summary>
    public IReadOnlyList<HostAddress> HostAddresses { get; init; } = [HostAddress.Parse("")];

    /// <summary>TLS on TCP listeners. <c>--tls</c> alone means client certificates are required too (<see cref="TlsVerify"/>).</summary>
    public bool Tls { get; init; }

    /// <summary>Require and verify client certificates (only meaningful when <see cref="Tls"/>).</summary>
    public bool TlsVerify { get; init; }

    /// <summary>
    /// True when <c>tls</c> or <c>tlsverify</c> was given explicitly (flag or file), i.e. dockerd's <c>cfg.TLS != nil</c>.
    /// Explicit <c>--tls=false</c> is an explicit opt-out of TLS on TCP.
    /// </summary>
    public bool TlsExplicit { get; init; }

    /// <summary>True when <c>tlsverify</c> was given explicitly (flag or file).</summary>
    public bool TlsVerifyExplicit { get; init; }

    /// <summary>CA bundle for client verification; null when not configured.</summary>
    public string? TlsCaCert { get; init; }

    /// <summary>Server certificate (PEM); null when not configured.</summary>
    public string? TlsCert { get; init; }

    /// <summary>Server private key (PEM, unencrypted); null when not configured.</summary>
    public string? TlsKey { get; init; }

    public bool Debug { get; init; }
    /// <summary>Lower-cased: panic, fatal, error, warn, info, debug or trace.</summary>
    public string LogLevel { get; init; } = "info";

    /// <summary>The logging level to configure: Debug when <see cref="Debug"/> (as dockerd's <c>-D</c>), else <see cref="LogLevel"/>.</summary>
    public Microsoft.Extensions.Logging.LogLevel MinimumLogLevel => Debug ? Microsoft.Extensions.Logging.LogLevel.Debug : LogLevel switch
    {
        "trace" => Microsoft.Extensions.Logging.LogLevel.Trace,
        "debug" => Microsoft.Extensions.Logging.LogLevel.Debug,
        "warn" => Microsoft.Extensions.Logging.LogLevel.Warning,
        "error" => Microsoft.Extensions.Logging.LogLevel.Error,
        "fatal" or "panic" => Microsoft.Extensions.Logging.LogLevel.Critical,
        _ => Microsoft.Extensions.Logging.LogLevel.Information,
    };
    public string LogFormat { get; init; } = "text";
    public string Group { get; init; } = "docker";
    public string DataRoot { get; init; } = "/var/lib/docker";
    public string ExecRoot { get; init; } = "/var/run/docker";
    public string PidFile { get; init; } = "/var/run/docker.pid";
    public string ConfigFile { get; init; } = DefaultConfigFile;
    public bool ConfigFileExplicit { get; init; }

    /// <summary>"runc" unless configured; always "runc", "crun" or a key of <see cref="Runtimes"/>.</summary>
    public string DefaultRuntime { get; init; } = "runc";

    /// <summary>Runtimes from <c>"runtimes"</c> and <c>--add-runtime</c>; runc and crun exist implicitly and are not listed.</summary>
    public IReadOnlyDictionary<string, RuntimeSettings> Runtimes { get; init; } = new Dictionary<string, RuntimeSettings>();
    public bool LiveRestore { get; init; }
    public bool NoNewPrivileges { get; init; }
    public string? UsernsRemap { get; init; }
    public bool Icc { get; init; } = true;
    /// <summary>"init": run docker-init as PID 1 of containers that do not say (--init).</summary>
    public bool Init { get; init; }
    /// <summary>"init-path": the docker-init binary; null = docker-init in PATH, else Debian's tini-static.</summary>
    public string? InitPath { get; init; }

    /// <summary>"builtin" (default), "unconfined", or a path to a profile that exists.</summary>
    public string SeccompProfile { get; init; } = "builtin";
    public IReadOnlyDictionary<string, UlimitSettings> DefaultUlimits { get; init; } = new Dictionary<string, UlimitSettings>();
    public string LogDriver { get; init; } = "json-file";
    public IReadOnlyDictionary<string, string> LogOpts { get; init; } = new Dictionary<string, string>();

    /// <summary><c>key=value</c> labels; conflicting values were refused, exact duplicates removed.</summary>
    public IReadOnlyList<string> Labels { get; init; } = [];
    public IReadOnlyList<string> InsecureRegistries { get; init; } = [];

    /// <summary>Mirror URLs, normalized with a trailing slash.</summary>
    public IReadOnlyList<string> RegistryMirrors { get; init; } = [];

    // moatd-only keys
    /// <summary>"1.2" (default) or "1.3".</summary>
    public string TlsMinVersion { get; init; } = "1.2";
    /// <summary>CRL file (PEM or DER) checked on every new TLS handshake.</summary>
    public string? TlsCrl { get; init; }
    /// <summary>Authorization policy file; null = dockerd's behaviour (everyone who connects is admin).</summary>
    public string? AuthorizationPolicy { get; init; }
    public string AuditLog { get; init; } = DefaultAuditLog;
    /// <summary>The master key file for encryption at rest (never the key itself); null = none, or the systemd credential.</summary>
    public string? DataEncryptionKeyFile { get; init; }
    /// <summary>"local" or "crypt": the driver of volumes created without one.</summary>
    public string DefaultVolumeDriver { get; init; } = "local";

    /// <summary>Non-fatal notes from loading (ignored keys, rewritten values); the host logs them at start.</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];

    /// <summary>The command line the settings came from; <see cref="DaemonConfigLoader.Reload(DaemonSettings)"/> re-checks the file against it.</summary>
    public IReadOnlyList<string> Args { get; init; } = [];

    /// <summary>The daemon.json keys that were present in the file (after flattening), for reload and diagnostics.</summary>
    public IReadOnlySet<string> FileKeys { get; init; } = new HashSet<string>();
}
