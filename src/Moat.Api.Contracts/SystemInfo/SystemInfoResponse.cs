using System.Text.Json.Serialization;

namespace Moat.Api.Contracts.SystemInfo;

/// <summary>
/// GET /info, shaped as dockerd's system.Info (api/types/system/info.go): the CLI's `docker info` and its
/// --format templates read these names. Fields Go marks omitempty are omitted when empty here too.
/// </summary>
public sealed class SystemInfoResponse
{
    public string ID { get; set; } = "";
    public int Containers { get; set; }
    public int ContainersRunning { get; set; }
    public int ContainersPaused { get; set; }
    public int ContainersStopped { get; set; }
    public int Images { get; set; }
    public string Driver { get; set; } = "";
    public List<string[]> DriverStatus { get; set; } = [];
    /// <summary>Extra [name, value] lines printed under the storage driver's (Go: SystemStatus, omitempty).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public List<string[]>? SystemStatus { get; set; }
    public string DockerRootDir { get; set; } = "";
    public PluginsInfo Plugins { get; set; } = new();
    public bool MemoryLimit { get; set; }
    public bool SwapLimit { get; set; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public bool KernelMemoryTCP { get; set; }
    public bool CpuCfsPeriod { get; set; }
    public bool CpuCfsQuota { get; set; }
    public bool CPUShares { get; set; }
    public bool CPUSet { get; set; }
    public bool PidsLimit { get; set; }
    public bool OomKillDisable { get; set; }
    public bool IPv4Forwarding { get; set; }
    /// <summary>Only sent to clients older than API 1.50 (always false there, as dockerd).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public bool? BridgeNfIptables { get; set; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public bool? BridgeNfIp6tables { get; set; }
    public bool Debug { get; set; }
    public int NFd { get; set; }
    public int NGoroutines { get; set; }
    public string SystemTime { get; set; } = "";
    public string LoggingDriver { get; set; } = "json-file";
    public string CgroupDriver { get; set; } = "cgroupfs";
    public string CgroupVersion { get; set; } = "1";
    public int NEventsListener { get; set; }
    public string KernelVersion { get; set; } = "";
    public string OperatingSystem { get; set; } = "";
    public string OSVersion { get; set; } = "";
    public string OSType { get; set; } = "linux";
    public string Architecture { get; set; } = "";
    public int NCPU { get; set; }
    public long MemTotal { get; set; }
    public string IndexServerAddress { get; set; } = "https://index.docker.io/v1/";
    public RegistryConfigInfo RegistryConfig { get; set; } = new();
    public List<GenericResource>? GenericResources { get; set; }
    public string HttpProxy { get; set; } = "";
    public string HttpsProxy { get; set; } = "";
    public string NoProxy { get; set; } = "";
    public string Name { get; set; } = "";
    public List<string> Labels { get; set; } = [];
    public bool ExperimentalBuild { get; set; }
    public string ServerVersion { get; set; } = "";
    public Dictionary<string, RuntimeInfo> Runtimes { get; set; } = [];
    public string DefaultRuntime { get; set; } = "runc";
    public SwarmInfo Swarm { get; set; } = new();
    public bool LiveRestoreEnabled { get; set; }
    public string Isolation { get; set; } = "";
    public string InitBinary { get; set; } = "";
    public CommitInfo ContainerdCommit { get; set; } = new();
    public CommitInfo RuncCommit { get; set; } = new();
    public CommitInfo InitCommit { get; set; } = new();
    public List<string> SecurityOptions { get; set; } = [];
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? ProductLicense { get; set; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public List<AddressPool>? DefaultAddressPools { get; set; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public FirewallInfo? FirewallBackend { get; set; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public List<DeviceInfo>? DiscoveredDevices { get; set; }
    public List<string> Warnings { get; set; } = [];
    public List<string> CDISpecDirs { get; set; } = [];
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public ContainerdInfo? Containerd { get; set; }
}

public sealed class GenericResource
{
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public NamedGenericResource? NamedResourceSpec { get; set; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public DiscreteGenericResource? DiscreteResourceSpec { get; set; }
}

public sealed class NamedGenericResource
{
    public string Kind { get; set; } = "";
    public string Value { get; set; } = "";
}

public sealed class DiscreteGenericResource
{
    public string Kind { get; set; } = "";
    public long Value { get; set; }
}

public sealed class AddressPool
{
    public string Base { get; set; } = "";
    public int Size { get; set; }
}

public sealed class FirewallInfo
{
    public string Driver { get; set; } = "";
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public List<string[]>? Info { get; set; }
}

public sealed class DeviceInfo
{
    public string Source { get; set; } = "";
    public string ID { get; set; } = "";
}

public sealed class ContainerdInfo
{
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Address { get; set; }
    public ContainerdNamespaces Namespaces { get; set; } = new();
}

public sealed class ContainerdNamespaces
{
    public string Containers { get; set; } = "";
    public string Plugins { get; set; } = "";
}

public sealed class PluginsInfo
{
    public List<string> Volume { get; set; } = ["local"];
    public List<string> Network { get; set; } = ["host", "null"];
    public List<string>? Authorization { get; set; }
    public List<string> Log { get; set; } = ["json-file"];
}

public sealed class RegistryConfigInfo
{
    public List<string> InsecureRegistryCIDRs { get; set; } = ["127.0.0.0/8", "::1/128"];
    public Dictionary<string, IndexInfo> IndexConfigs { get; set; } = [];
    public List<string> Mirrors { get; set; } = [];
}

public sealed class IndexInfo
{
    public string Name { get; set; } = "";
    public List<string> Mirrors { get; set; } = [];
    public bool Secure { get; set; }
    public bool Official { get; set; }
}

public sealed class RuntimeInfo
{
    [JsonPropertyName("path")]
    public string Path { get; set; } = "";
    [JsonPropertyName("runtimeArgs")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public List<string>? RuntimeArgs { get; set; }
    /// <summary>Runtime-specific facts (API 1.44+; omitted for older clients).</summary>
    [JsonPropertyName("status")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public Dictionary<string, string>? Status { get; set; }
}

public sealed class SwarmInfo
{
    public string NodeID { get; set; } = "";
    public string NodeAddr { get; set; } = "";
    public string LocalNodeState { get; set; } = "inactive";
    public bool ControlAvailable { get; set; }
    public string Error { get; set; } = "";
    public List<SwarmPeer>? RemoteManagers { get; set; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public int Nodes { get; set; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public int Managers { get; set; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public List<string>? Warnings { get; set; }
}

public sealed class SwarmPeer
{
    public string NodeID { get; set; } = "";
    public string Addr { get; set; } = "";
}

public sealed class CommitInfo
{
    public string ID { get; set; } = "";
    /// <summary>Sent (equal to ID) only to clients older than API 1.49, as dockerd.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Expected { get; set; }
}
