using System.Text.Json;
using Moat.Api.Contracts.SystemInfo;
using Moat.Api.Contracts.Volumes;
using Moat.Api.SystemInfo;
using Moat.Engine.Volumes;

namespace Moat.Api.Volumes;

/// <summary>The volumes part of GET /system/df: every volume with its size and reference count.</summary>
internal sealed class VolumesDfContributor(VolumeService volumes) : ISystemDfContributor
{
    public DiskUsageObject Object => DiskUsageObject.Volume;

    public ValueTask ContributeAsync(SystemDfResponse response, CancellationToken cancellationToken)
    {
        response.Volumes ??= [];
        foreach (var v in volumes.List())
            response.Volumes.Add(JsonSerializer.SerializeToElement(VolumeRoutes.View(v, volumes, usage: true), VolumesJsonContext.Default.Volume));
        return ValueTask.CompletedTask;
    }
}
