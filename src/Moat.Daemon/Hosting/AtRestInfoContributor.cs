using Moat.Api.Contracts.SystemInfo;
using Moat.Api.SystemInfo;
using Moat.Engine.AtRest;

namespace Moat.Daemon.Hosting;

/// <summary>
/// docker info: "name=encryption-at-rest" among the security options when a master key is loaded (its id, never the
/// key), and a warning when one is configured but missing (encrypted volumes and sealed containers are locked).
/// </summary>
public sealed class AtRestInfoContributor(DataAtRest atRest) : IInfoContributor
{
    public void Contribute(SystemInfoResponse info)
    {
        if (atRest.Key is not null)
            info.SecurityOptions.Add($"name=encryption-at-rest,cipher=AES-256-GCM,key-id={atRest.Key.Id},default-volume-driver={atRest.DefaultVolumeDriver}");
        else if (atRest.MissingReason is not null)
            info.Warnings.Add($"WARNING: encryption at rest: {atRest.MissingReason}; encrypted volumes and sealed containers are locked until moatd restarts with the key");
    }
}
