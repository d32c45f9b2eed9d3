namespace Moat.Api.Contracts.Volumes;

/// <summary>A volume as GET /volumes/{name} returns it.</summary>
public sealed class Volume
{
    public string CreatedAt { get; set; } = "";
    public string Driver { get; set; } = "local";
    public Dictionary<string, string> Labels { get; set; } = [];
    public string Mountpoint { get; set; } = "";
    public string Name { get; set; } = "";
    public Dictionary<string, string> Options { get; set; } = [];
    public string Scope { get; set; } = "local";
    public VolumeUsageData? UsageData { get; set; }
}

public sealed class VolumeUsageData
{
    public long Size { get; set; }
    public long RefCount { get; set; }
}

public sealed class VolumeCreateRequest
{
    public string Name { get; set; } = "";
    public string Driver { get; set; } = "";
    public Dictionary<string, string>? DriverOpts { get; set; }
    public Dictionary<string, string>? Labels { get; set; }
}

public sealed class VolumeListResponse
{
    public List<Volume> Volumes { get; set; } = [];
    public List<string> Warnings { get; set; } = [];
}

public sealed class VolumePruneResponse
{
    public List<string> VolumesDeleted { get; set; } = [];
    public long SpaceReclaimed { get; set; }
}
