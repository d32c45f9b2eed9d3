namespace Moat.Api.Contracts.Containers;

/// <summary>One row of GET /containers/json.</summary>
public sealed class ContainerSummary
{
    public string Id { get; set; } = "";
    public List<string> Names { get; set; } = [];
    public string Image { get; set; } = "";
    public string ImageID { get; set; } = "";
    public string Command { get; set; } = "";
    public long Created { get; set; }
    public List<SummaryPort> Ports { get; set; } = [];
    public long? SizeRw { get; set; }
    public long? SizeRootFs { get; set; }
    public Dictionary<string, string> Labels { get; set; } = [];
    public string State { get; set; } = "";
    public string Status { get; set; } = "";
    public SummaryHostConfig HostConfig { get; set; } = new();
    public SummaryNetworkSettings NetworkSettings { get; set; } = new();
    public List<MountPoint> Mounts { get; set; } = [];
}

public sealed class SummaryPort
{
    public string? IP { get; set; }
    public int PrivatePort { get; set; }
    public int? PublicPort { get; set; }
    public string Type { get; set; } = "tcp";
}

public sealed class SummaryHostConfig
{
    public string NetworkMode { get; set; } = "";
}

public sealed class SummaryNetworkSettings
{
    public Dictionary<string, EndpointSettings> Networks { get; set; } = [];
}
