using Moat.Api.Contracts.SystemInfo;
using Moat.Api.SystemInfo;
using Moat.Engine.Containers;

namespace Moat.Api.Containers;

/// <summary>The containers part of GET /info: how many exist, run, are paused or stopped.</summary>
internal sealed class ContainersInfoContributor(ContainerService containers) : IInfoContributor
{
    public void Contribute(SystemInfoResponse info)
    {
        var all = containers.List(new ContainerListOptions { All = true });
        info.Containers = all.Count;
        info.InitBinary = containers.Init.Name;
        info.InitCommit.ID = containers.Init.Commit;
        foreach (var c in all)
        {
            switch (c.State.Status)
            {
                case ContainerStatus.Running or ContainerStatus.Restarting: info.ContainersRunning++; break;
                case ContainerStatus.Paused: info.ContainersPaused++; break;
                default: info.ContainersStopped++; break;
            }
        }
    }
}
