using System.Text.Json;
using Moat.Api.Contracts.Containers;
using Moat.Api.Contracts.SystemInfo;
using Moat.Api.SystemInfo;
using Moat.Engine.Containers;

namespace Moat.Api.Containers;

/// <summary>The containers part of GET /system/df: every container with its writable-layer size.</summary>
internal sealed class ContainersDfContributor(ContainerService containers) : ISystemDfContributor
{
    public DiskUsageObject Object => DiskUsageObject.Container;

    public ValueTask ContributeAsync(SystemDfResponse response, CancellationToken cancellationToken)
    {
        response.Containers ??= [];
        foreach (var r in containers.List(new ContainerListOptions { All = true }))
        {
            var summary = ContainerViews.Summary(r, containers);
            summary.SizeRw = containers.SizeRw(r);
            summary.SizeRootFs = summary.SizeRw;
            response.Containers.Add(JsonSerializer.SerializeToElement(summary, ContainersJsonContext.Default.ContainerSummary));
        }
        return ValueTask.CompletedTask;
    }
}
