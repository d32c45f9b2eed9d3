using Moat.Api.Contracts.SystemInfo;
using Moat.Api.SystemInfo;
using Moat.Engine.Images;

namespace Moat.Api.Images;

/// <summary>The images part of GET /info: image count, storage driver and its status rows.</summary>
public sealed class ImagesInfoContributor(ImageService images) : IInfoContributor
{
    public void Contribute(SystemInfoResponse info)
    {
        info.Images = images.Count;
        info.Driver = images.Layers.Driver;
        info.DriverStatus = [.. images.Layers.Status];
    }
}
