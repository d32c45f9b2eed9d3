using System.Text;

namespace Moat.Daemon.Configuration;

/// <summary>moatd's flags: dockerd's names, shorthands, daemon.json keys and defaults (moby <c>cmd/dockerd</c>), plus the moatd-only ones.</summary>
internal static class DaemonFlags
{
    public const string CommandName = "moatd";

    public static readonly IReadOnlyList<FlagDefinition> All =
    [
        new("add-runtime", '\0', FlagKind.Runtime, "Register an additional OCI compatible runtime") { ConfigKey = "runtimes", DefaultText = "[]" },
        new("audit-log", '\0', FlagKind.String, "Audit log file, JSON lines (moatd)") { ConfigKey = "audit-log", DefaultText = "\"" + DaemonSettings.DefaultAuditLog + "\"" },
        new("authorization-plugin", '\0', FlagKind.List, "Not supported: moatd authorizes requests itself, see --authorization-policy") { ConfigKey = "authorization-plugins" },
        new("authorization-policy", '\0', FlagKind.String, "Authorization policy file (moatd)") { ConfigKey = "authorization-policy" },
        new("config-file", '\0', FlagKind.String, "Daemon configuration file") { DefaultText = "\"" + DaemonSettings.DefaultConfigFile + "\"" },
        new("data-encryption-key-file", '\0', FlagKind.String, "Master key file for encryption at rest, root-only 0400 (moatd)") { ConfigKey = "data-encryption-key-file" },
        new("data-root", '\0', FlagKind.String, "Root directory of persistent Docker state") { ConfigKey = "data-root", DefaultText = "\"/var/lib/docker\"" },
        new("debug", 'D', FlagKind.Bool, "Enable debug mode") { ConfigKey = "debug" },
        new("default-runtime", '\0', FlagKind.String, "Default OCI runtime for containers") { ConfigKey = "default-runtime", DefaultText = "\"runc\"" },
        new("default-ulimit", '\0', FlagKind.Ulimit, "Default ulimits for containers") { ConfigKey = "default-ulimits", DefaultText = "[]" },
        new("default-volume-driver", '\0', FlagKind.String, "Driver of new volumes created without one (\"local\"|\"crypt\") (moatd)") { ConfigKey = "default-volume-driver", DefaultText = "\"local\"" },
        new("exec-root", '\0', FlagKind.String, "Root directory for execution state files") { ConfigKey = "exec-root", DefaultText = "\"/var/run/docker\"" },
        new("group", 'G', FlagKind.String, "Group for the unix socket") { ConfigKey = "group", DefaultText = "\"docker\"" },
        new("help", 'h', FlagKind.Bool, "Print usage"),
        new("host", 'H', FlagKind.List, "Daemon socket(s) to connect to") { ConfigKey = "hosts" },
        new("icc", '\0', FlagKind.Bool, "Enable inter-container communication for the default bridge network") { ConfigKey = "icc", DefaultText = "true" },
        new("init", '\0', FlagKind.Bool, "Run an init in the container to forward signals and reap processes") { ConfigKey = "init" },
        new("init-path", '\0', FlagKind.String, "Path to the docker-init binary") { ConfigKey = "init-path" },
        new("insecure-registry", '\0', FlagKind.List, "Enable insecure registry communication") { ConfigKey = "insecure-registries" },
        new("label", '\0', FlagKind.List, "Set key=value labels to the daemon") { ConfigKey = "labels" },
        new("live-restore", '\0', FlagKind.Bool, "Enable live restore of docker when containers are still running") { ConfigKey = "live-restore" },
        new("log-driver", '\0', FlagKind.String, "Default driver for container logs") { ConfigKey = "log-driver", DefaultText = "\"json-file\"" },
        new("log-format", '\0', FlagKind.String, "Set the logging format (\"text\"|\"json\")") { ConfigKey = "log-format", DefaultText = "\"text\"" },
        new("log-level", 'l', FlagKind.String, "Set the logging level (\"debug\"|\"info\"|\"warn\"|\"error\"|\"fatal\")") { ConfigKey = "log-level", DefaultText = "\"info\"" },
        new("log-opt", '\0', FlagKind.Map, "Default log driver options for containers") { ConfigKey = "log-opts", DefaultText = "map[]" },
        new("no-new-privileges", '\0', FlagKind.Bool, "Set no-new-privileges by default for new containers") { ConfigKey = "no-new-privileges" },
        new("pidfile", 'p', FlagKind.String, "Path to use for daemon PID file") { ConfigKey = "pidfile", DefaultText = "\"/var/run/docker.pid\"" },
        new("registry-mirror", '\0', FlagKind.List, "Preferred Docker registry mirror") { ConfigKey = "registry-mirrors" },
        new("seccomp-profile", '\0', FlagKind.String, "Path to seccomp profile. Set to \"unconfined\" to disable the default seccomp profile") { ConfigKey = "seccomp-profile", DefaultText = "\"builtin\"" },
        new("tls", '\0', FlagKind.Bool, "Use TLS; implied by --tlsverify") { ConfigKey = "tls" },
        new("tls-min-version", '\0', FlagKind.String, "Minimum TLS version for TCP listeners (\"1.2\"|\"1.3\") (moatd)") { ConfigKey = "tls-min-version", DefaultText = "\"1.2\"" },
        new("tlscacert", '\0', FlagKind.String, "Trust certs signed only by this CA") { ConfigKey = "tlscacert", DefaultText = "\"~/.docker/ca.pem\"" },
        new("tlscert", '\0', FlagKind.String, "Path to TLS certificate file") { ConfigKey = "tlscert", DefaultText = "\"~/.docker/cert.pem\"" },
        new("tlscrl", '\0', FlagKind.String, "Certificate revocation list checked on every TLS handshake (moatd)") { ConfigKey = "tlscrl" },
        new("tlskey", '\0', FlagKind.String, "Path to TLS key file") { ConfigKey = "tlskey", DefaultText = "\"~/.docker/key.pem\"" },
        new("tlsverify", '\0', FlagKind.Bool, "Use TLS and verify the remote") { ConfigKey = "tlsverify" },
        new("userns-remap", '\0', FlagKind.String, "User/Group setting for user namespaces") { ConfigKey = "userns-remap" },
        new("validate", '\0', FlagKind.Bool, "Validate daemon configuration and exit"),
        new("version", 'v', FlagKind.Bool, "Print version information and quit"),
    ];

    private static readonly Dictionary<string, FlagDefinition> ByName = All.ToDictionary(f => f.Name, StringComparer.Ordinal);
    private static readonly Dictionary<char, FlagDefinition> ByShorthand = All.Where(f => f.Shorthand != '\0').ToDictionary(f => f.Shorthand);

    public static FlagDefinition? Lookup(string name) => ByName.GetValueOrDefault(name);

    public static FlagDefinition? LookupShorthand(char c) => ByShorthand.GetValueOrDefault(c);

    public static FlagDefinition Get(string name) => ByName[name];

    /// <summary>The --help text, laid out like cobra/pflag.</summary>
    public static string Usage()
    {
        var rows = new List<(string Left, string Right)>();
        foreach (var f in All)
        {
            string left = (f.Shorthand != '\0' ? $"  -{f.Shorthand}, " : "      ") + "--" + f.Name + (f.TypeWord.Length > 0 ? " " + f.TypeWord : "");
            string right = f.Usage + (f.DefaultText is null ? "" : $" (default {f.DefaultText})");
            rows.Add((left, right));
        }
        int width = rows.Max(r => r.Left.Length);
        var sb = new StringBuilder();
        sb.Append("Usage:\t").Append(CommandName).Append(" [OPTIONS]\n\n");
        sb.Append("A self-sufficient runtime for containers, secure by default (Docker Engine API compatible).\n\n");
        sb.Append("Options:\n");
        foreach (var (left, right) in rows) sb.Append(left.PadRight(width)).Append("   ").Append(right).Append('\n');
        return sb.ToString();
    }
}
