using System.Text.Json.Serialization;

namespace Moat.Api.Contracts.SystemInfo;

/// <summary>GET /version, as dockerd's types.Version.</summary>
public sealed class SystemVersion
{
    public VersionPlatform Platform { get; set; } = new();
    public List<VersionComponent> Components { get; set; } = [];
    public string Version { get; set; } = "";
    public string ApiVersion { get; set; } = "";
    public string MinAPIVersion { get; set; } = "";
    public string GitCommit { get; set; } = "";
    public string GoVersion { get; set; } = "";
    public string Os { get; set; } = "linux";
    public string Arch { get; set; } = "";
    public string KernelVersion { get; set; } = "";
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public bool Experimental { get; set; }
    public string BuildTime { get; set; } = "";
}

public sealed class VersionPlatform
{
    public string Name { get; set; } = "";
}

public sealed class VersionComponent
{
    public string Name { get; set; } = "";
    public string Version { get; set; } = "";
    public Dictionary<string, string>? Details { get; set; }
}
