using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Moat.Api.Contracts.Containers;
using Moat.Api.Contracts.Images;
using Moat.Api.Contracts.Volumes;
using Moat.Api.Routing;
using Moat.Api.Volumes;
using Moat.Engine.Containers;
using Moat.Engine.Images;
using Moat.Engine.Volumes;

namespace Moat.Api.Containers;

/// <summary>GET /system/df with all its parts: images (from the images area), containers and volumes.</summary>
public static class DiskUsageRoute
{
    /// <summary>Map before the images area's routes so that this complete answer wins.</summary>
    public static void Map(RouteTable routes) => routes.MapGet("/system/df", "system.df", DiskUsage);

    private static Task DiskUsage(ApiRequest request)
    {
        var body = new SystemDiskUsage();
        if (request.Services.GetService<ImageService>() is { } images)
        {
            var usage = images.DiskUsage();
            body.LayersSize = usage.LayersSize;
            body.Images = usage.Images;
        }
        var containers = request.Services.GetRequiredService<ContainerService>();
        foreach (var r in containers.List(new ContainerListOptions { All = true }))
        {
            var s = ContainerViews.Summary(r, containers);
            s.SizeRw = containers.SizeRw(r);
            s.SizeRootFs = s.SizeRw;
            body.Containers.Add(JsonSerializer.SerializeToElement(s, ContainersJsonContext.Default.ContainerSummary));
        }
        var volumes = request.Services.GetRequiredService<VolumeService>();
        foreach (var v in volumes.List())
            body.Volumes.Add(JsonSerializer.SerializeToElement(VolumeRoutes.View(v, volumes, usage: true), VolumesJsonContext.Default.Volume));
        return ApiResults.JsonAsync(request.Http, body, ImagesJsonContext.Default.SystemDiskUsage);
    }
}
