using Moat.Api.Contracts.Containers;

namespace Moat.Engine.Containers;

/// <summary>
/// A container as moatd persists it (containers/&lt;id&gt;/config.v2.json). Mutated only under the
/// container's lock in <see cref="ContainerService"/>; every change is written atomically before it is visible to a restart.
/// </summary>
public sealed class ContainerRecord
{
    public string Id { get; set; } = "";
    /// <summary>With the leading slash, as Docker stores it.</summary>
    public string Name { get; set; } = "";
    public DateTimeOffset Created { get; set; }
    public string ImageId { get; set; } = "";
    public string Path { get; set; } = "";
    public List<string> Args { get; set; } = [];
    public ContainerConfig Config { get; set; } = new();
    public HostConfig HostConfig { get; set; } = new();
    public ContainerStateRecord State { get; set; } = new();
    public int RestartCount { get; set; }
    public bool HasBeenStartedBefore { get; set; }
    public bool HasBeenManuallyStopped { get; set; }
    public string LogPath { get; set; } = "";
    public List<MountRecord> Mounts { get; set; } = [];
    public List<string> LowerDirs { get; set; } = [];
    /// <summary>Who created it (Caller.User); internal, never a label the user can set.</summary>
    public string? Owner { get; set; }
}

public sealed class ContainerStateRecord
{
    public ContainerStatus Status { get; set; } = ContainerStatus.Created;
    public int Pid { get; set; }
    public int ExitCode { get; set; }
    public string Error { get; set; } = "";
    public bool OomKilled { get; set; }
    public DateTimeOffset StartedAt { get; set; }
    public DateTimeOffset FinishedAt { get; set; }
}

/// <summary>A resolved mount: bind, volume (named or anonymous) or tmpfs.</summary>
public sealed class MountRecord
{
    public string Type { get; set; } = "";
    public string? Name { get; set; }
    public string Source { get; set; } = "";
    public string Destination { get; set; } = "";
    public bool RW { get; set; } = true;
    public string Mode { get; set; } = "";
    public string Propagation { get; set; } = "";
    /// <summary>tmpfs options ("size=…,mode=…").</summary>
    public string? Options { get; set; }
    public bool Anonymous { get; set; }
}
