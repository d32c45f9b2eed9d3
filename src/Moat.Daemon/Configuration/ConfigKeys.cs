namespace Moat.Daemon.Configuration;

/// <summary>The daemon.json keys moatd knows: accepted ones, dockerd keys moatd refuses, and the ones it ignores.</summary>
internal static class ConfigKeys
{
    public static readonly IReadOnlyList<ConfigKey> All =
    [
        new("hosts", ConfigValueType.StringList, "host"),
        new("tls", ConfigValueType.Bool, "tls"),
        new("tlsverify", ConfigValueType.Bool, "tlsverify"),
        new("tlscacert", ConfigValueType.String, "tlscacert"),
        new("tlscert", ConfigValueType.String, "tlscert"),
        new("tlskey", ConfigValueType.String, "tlskey"),
        new("debug", ConfigValueType.Bool, "debug") { Reloadable = true },
        new("log-level", ConfigValueType.String, "log-level"),
        new("log-format", ConfigValueType.String, "log-format"),
        new("group", ConfigValueType.String, "group"),
        new("data-root", ConfigValueType.String, "data-root"),
        new("exec-root", ConfigValueType.String, "exec-root"),
        new("pidfile", ConfigValueType.String, "pidfile"),
        new("default-runtime", ConfigValueType.String, "default-runtime") { Reloadable = true },
        new("runtimes", ConfigValueType.Runtimes, "add-runtime") { Reloadable = true },
        new("live-restore", ConfigValueType.Bool, "live-restore") { Reloadable = true },
        new("no-new-privileges", ConfigValueType.Bool, "no-new-privileges"),
        new("userns-remap", ConfigValueType.String, "userns-remap"),
        new("icc", ConfigValueType.Bool, "icc"),
        new("init", ConfigValueType.Bool, "init"),
        new("init-path", ConfigValueType.String, "init-path"),
        new("seccomp-profile", ConfigValueType.String, "seccomp-profile"),
        new("default-ulimits", ConfigValueType.Ulimits, "default-ulimit"),
        new("log-driver", ConfigValueType.String, "log-driver"),
        new("log-opts", ConfigValueType.StringMap, "log-opt"),
        new("labels", ConfigValueType.StringList, "label") { Reloadable = true },
        new("insecure-registries", ConfigValueType.StringList, "insecure-registry") { Reloadable = true },
        new("registry-mirrors", ConfigValueType.StringList, "registry-mirror") { Reloadable = true },
        new("tls-min-version", ConfigValueType.String, "tls-min-version") { MoatOnly = true },
        new("tlscrl", ConfigValueType.String, "tlscrl") { MoatOnly = true },
        new("authorization-policy", ConfigValueType.String, "authorization-policy") { MoatOnly = true, Reloadable = true },
        new("audit-log", ConfigValueType.String, "audit-log") { MoatOnly = true },
        new("data-encryption-key-file", ConfigValueType.String, "data-encryption-key-file") { MoatOnly = true },
        new("default-volume-driver", ConfigValueType.String, "default-volume-driver") { MoatOnly = true },
        // dockerd skips these in its unknown-key check; moatd accepts and ignores them with a warning.
        new("features", ConfigValueType.Ignored, null),
        new("builder", ConfigValueType.Ignored, null),
        new("experimental", ConfigValueType.Bool, null),
        new("deprecated-key-path", ConfigValueType.Ignored, null),
        new("allow-nondistributable-artifacts", ConfigValueType.Ignored, null),
    ];

    private static readonly Dictionary<string, ConfigKey> ByName = All.ToDictionary(k => k.Name, StringComparer.Ordinal);

    public static ConfigKey? Lookup(string name) => ByName.GetValueOrDefault(name);

    public static IEnumerable<string> ReloadableKeys => All.Where(k => k.Reloadable).Select(k => k.Name);

    /// <summary>dockerd (28.x, Linux) keys moatd does not implement: refused by name rather than silently ignored.</summary>
    public static readonly IReadOnlySet<string> UnsupportedDockerdKeys = new HashSet<string>(StringComparer.Ordinal)
    {
        "allow-direct-routing", "api-cors-header", "bip", "bip6", "bridge", "bridge-accept-fwmark", "cdi-spec-dirs", "cgroup-parent",
        "containerd", "containerd-namespace", "containerd-plugins-namespace", "cpu-rt-period", "cpu-rt-runtime", "cri-containerd",
        "default-address-pools", "default-cgroupns-mode", "default-gateway", "default-gateway-v6", "default-init", "default-ipc-mode",
        "default-network-opts", "default-shm-size", "dns", "dns-opts", "dns-search", "exec-opts", "firewall-backend", "fixed-cidr",
        "fixed-cidr-v6", "host-gateway-ip", "host-gateway-ips", "http-proxy", "https-proxy", "ip", "ip-forward",
        "ip-forward-no-drop", "ip-masq", "ip6tables", "iptables", "ipv6", "max-concurrent-downloads", "max-concurrent-uploads",
        "max-download-attempts", "metrics-addr", "mtu", "network-control-plane-mtu", "network-diagnostic-port", "no-proxy",
        "node-generic-resources", "oom-score-adjust", "raw-logs", "resolv-conf", "rootless", "selinux-enabled", "shutdown-timeout",
        "storage-driver", "storage-opts", "swarm-default-advertise-addr", "swarm-raft-election-tick", "swarm-raft-heartbeat-tick",
        "userland-proxy", "userland-proxy-path",
    };

    /// <summary>Keys dockerd flattens one level (their members become top-level keys).</summary>
    public static readonly IReadOnlySet<string> FlattenedGroups = new HashSet<string>(StringComparer.Ordinal) { "proxies" };
}
