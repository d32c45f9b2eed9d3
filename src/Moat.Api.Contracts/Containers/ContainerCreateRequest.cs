namespace Moat.Api.Contracts.Containers;

/// <summary>POST /containers/create body: Config fields at top level plus HostConfig and NetworkingConfig.</summary>
public sealed class ContainerCreateRequest : ContainerConfig
{
    public HostConfig? HostConfig { get; set; }
    public NetworkingConfig? NetworkingConfig { get; set; }
}

public sealed class NetworkingConfig
{
    public Dictionary<string, EndpointSettings>? EndpointsConfig { get; set; }
}

public sealed class ContainerCreateResponse
{
    public string Id { get; set; } = "";
    public List<string> Warnings { get; set; } = [];
}

public sealed class ContainerWaitResponse
{
    public long StatusCode { get; set; }
    public ContainerWaitExitError? Error { get; set; }
}

public sealed class ContainerWaitExitError
{
    public string Message { get; set; } = "";
}

/// <summary>POST /containers/{id}/update body: resources plus restart policy.</summary>
public sealed class ContainerUpdateRequest
{
    public long? Memory { get; set; }
    public long? MemorySwap { get; set; }
    public long? NanoCpus { get; set; }
    public long? CpuShares { get; set; }
    public long? PidsLimit { get; set; }
    public RestartPolicy? RestartPolicy { get; set; }
}

public sealed class ContainerUpdateResponse
{
    public List<string> Warnings { get; set; } = [];
}

public sealed class ContainerPruneResponse
{
    public List<string> ContainersDeleted { get; set; } = [];
    public long SpaceReclaimed { get; set; }
}

public sealed class ContainerTopResponse
{
    public List<string> Titles { get; set; } = [];
    public List<List<string>> Processes { get; set; } = [];
}
