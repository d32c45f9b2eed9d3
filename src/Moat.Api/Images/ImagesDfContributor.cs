using System.Text.Json;
using Moat.Api.Contracts.Images;
using Moat.Api.Contracts.SystemInfo;
using Moat.Api.SystemInfo;
using Moat.Engine.Images;

namespace Moat.Api.Images;

/// <summary>The images part of GET /system/df: LayersSize and one summary per image.</summary>
internal sealed class ImagesDfContributor(ImageService images) : ISystemDfContributor
{
    public DiskUsageObject Object => DiskUsageObject.Image;

    public ValueTask ContributeAsync(SystemDfResponse response, CancellationToken cancellationToken)
    {
        var usage = images.DiskUsage();
        response.LayersSize = usage.LayersSize;
        response.Images ??= [];
        foreach (var image in usage.Images)
            response.Images.Add(JsonSerializer.SerializeToElement(image, ImagesJsonContext.Default.ImageSummary));
        return ValueTask.CompletedTask;
    }
}
