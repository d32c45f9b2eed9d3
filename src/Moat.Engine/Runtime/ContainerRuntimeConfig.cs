namespace Moat.Engine.Runtime;

/// <summary>
/// Everything the runtime layer needs to build one container's OCI bundle, already resolved from the image
/// config and the create request by the containers area (entrypoint + cmd joined, env merged). Docker's names
/// are kept where the meaning is Docker's.
/// </summary>
public sealed record ContainerRuntimeConfig
{
    /// <summary>Container ID (64 hex in Moat; any [A-Za-z0-9_.-] up to 128 chars here).</summary>
    public required string Id { get; init; }
    /// <summary>argv of the init process: entrypoint followed by cmd.</summary>
    public required IReadOnlyList<string> Args { get; init; }
    public IReadOnlyList<string> Env { get; init; } = [];
    public string? WorkingDir { get; init; }
    /// <summary>"", "uid", "uid:gid", "name", "name:group" — names resolved from the rootfs's /etc/passwd and /etc/group.</summary>
    public string? User { get; init; }
    /// <summary>Extra groups (names or numbers) as in --group-add.</summary>
    public IReadOnlyList<string> GroupAdd { get; init; } = [];
    public string? Hostname { get; init; }
    public string? Domainname { get; init; }
    public bool Terminal { get; init; }
    public bool Privileged { get; init; }
    public IReadOnlyList<string> CapAdd { get; init; } = [];
    public IReadOnlyList<string> CapDrop { get; init; } = [];
    public bool ReadonlyRootfs { get; init; }
    /// <summary>null = the daemon-wide default (RuntimeOptions.NoNewPrivileges).</summary>
    public bool? NoNewPrivileges { get; init; }
    public SeccompMode Seccomp { get; init; } = SeccompMode.Builtin;
    /// <summary>Docker-format profile JSON when <see cref="Seccomp"/> is Custom.</summary>
    public string? SeccompProfileJson { get; init; }

    /// <summary>Bytes; 0 = unlimited.</summary>
    public long Memory { get; init; }
    /// <summary>Memory + swap in bytes; 0 = twice <see cref="Memory"/> (Docker's default), -1 = unlimited swap.</summary>
    public long MemorySwap { get; init; }
    public long MemoryReservation { get; init; }
    public long NanoCpus { get; init; }
    public long CpuShares { get; init; }
    public long CpuPeriod { get; init; }
    public long CpuQuota { get; init; }
    public string? CpusetCpus { get; init; }
    public string? CpusetMems { get; init; }
    /// <summary>null or 0 = unlimited; -1 = unlimited.</summary>
    public long? PidsLimit { get; init; }
    public IReadOnlyList<Ulimit> Ulimits { get; init; } = [];
    public int? OomScoreAdj { get; init; }

    /// <summary>Size of /dev/shm in bytes; 0 = 64 MiB.</summary>
    public long ShmSize { get; init; }
    /// <summary>Destination → options ("size=64m,mode=1777"), as in --tmpfs.</summary>
    public IReadOnlyDictionary<string, string> Tmpfs { get; init; } = new Dictionary<string, string>();
    /// <summary>Binds and volumes (a volume is a bind of its data dir for the runtime).</summary>
    public IReadOnlyList<BindMount> Mounts { get; init; } = [];
    public IReadOnlyList<DeviceMapping> Devices { get; init; } = [];
    /// <summary>Extra device cgroup rules, "c 1:3 rwm" as in --device-cgroup-rule.</summary>
    public IReadOnlyList<string> DeviceCgroupRules { get; init; } = [];
    public IReadOnlyDictionary<string, string> Sysctls { get; init; } = new Dictionary<string, string>();

    public NamespaceMode NetworkMode { get; init; } = NamespaceMode.Private;
    /// <summary>Path of a network namespace to join (e.g. one the networks area made); overrides NetworkMode.</summary>
    public string? NetworkNamespacePath { get; init; }
    public NamespaceMode PidMode { get; init; } = NamespaceMode.Private;
    public NamespaceMode IpcMode { get; init; } = NamespaceMode.Private;
    public NamespaceMode UtsMode { get; init; } = NamespaceMode.Private;

    /// <summary>/etc/hosts lines added after the defaults ("host:ip" as in --add-host, or "ip host").</summary>
    public IReadOnlyList<string> ExtraHosts { get; init; } = [];
    public IReadOnlyList<string> Dns { get; init; } = [];
    public IReadOnlyList<string> DnsSearch { get; init; } = [];
    public IReadOnlyList<string> DnsOptions { get; init; } = [];

    /// <summary>Copied into the spec's annotations.</summary>
    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();
    /// <summary>null = "/moat/&lt;id&gt;".</summary>
    public string? CgroupsPath { get; init; }

    /// <summary>Keep the container's stdin open (docker run -i) so an attach can write to it.</summary>
    public bool OpenStdin { get; init; }
    /// <summary>Close stdin after the first attached client hangs up (docker run -i without -d).</summary>
    public bool StdinOnce { get; init; }
    /// <summary>json-file log path; null = &lt;container dir&gt;/&lt;id&gt;-json.log, "" = no log (log driver none).</summary>
    public string? LogPath { get; init; }
    /// <summary>json-file log options: max-size bytes (0 = unlimited) and max-file.</summary>
    public long LogMaxSize { get; init; }
    public int LogMaxFile { get; init; } = 1;
}

public enum SeccompMode { Builtin, Unconfined, Custom }

/// <summary>none = own netns with loopback only; private = own namespace; host = the host's.</summary>
public enum NamespaceMode { Private, Host, None }

public sealed record Ulimit(string Name, long Soft, long Hard);

/// <param name="Propagation">"", rprivate, private, rshared, shared, rslave, slave.</param>
public sealed record BindMount(string Source, string Destination, bool ReadOnly = false, string? Propagation = null, bool NonRecursive = false);

/// <param name="Permissions">Cgroup access: a combination of r, w, m.</param>
public sealed record DeviceMapping(string PathOnHost, string PathInContainer, string Permissions = "rwm");
