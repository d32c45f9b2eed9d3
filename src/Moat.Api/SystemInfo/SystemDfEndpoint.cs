using Microsoft.Extensions.DependencyInjection;
using Moat.Api.Contracts.SystemInfo;
using Moat.Api.Routing;
using Moat.Api.Versioning;
using Moat.Engine.Errors;

namespace Moat.Api.SystemInfo;

/// <summary>
/// GET /system/df: the lists the request asks for (<c>?type=container|image|volume|build-cache</c>, all when
/// absent or for API &lt; 1.42), filled by the registered <see cref="ISystemDfContributor"/>s.
/// </summary>
public static class SystemDfEndpoint
{
    private static readonly ApiVersion TypeParameter = new(1, 42);

    public static async Task HandleAsync(ApiRequest request)
    {
        var wanted = Requested(request);
        var response = new SystemDfResponse
        {
            Containers = wanted.Contains(DiskUsageObject.Container) ? [] : null,
            Images = wanted.Contains(DiskUsageObject.Image) ? [] : null,
            Volumes = wanted.Contains(DiskUsageObject.Volume) ? [] : null,
            BuildCache = wanted.Contains(DiskUsageObject.BuildCache) ? [] : null,
        };
        foreach (var contributor in request.Services.GetServices<ISystemDfContributor>())
            if (wanted.Contains(contributor.Object))
                await contributor.ContributeAsync(response, request.Aborted);
        await ApiResults.JsonAsync(request.Http, response, SystemJsonContext.Default.SystemDfResponse);
    }

    internal static HashSet<DiskUsageObject> Requested(ApiRequest request)
    {
        var types = request.Http.Request.Query["type"];
        if (request.Version < TypeParameter || types.Count == 0)
            return [DiskUsageObject.Container, DiskUsageObject.Image, DiskUsageObject.Volume, DiskUsageObject.BuildCache];
        var wanted = new HashSet<DiskUsageObject>();
        foreach (var type in types)
        {
            wanted.Add(type switch
            {
                "container" => DiskUsageObject.Container,
                "image" => DiskUsageObject.Image,
                "volume" => DiskUsageObject.Volume,
                "build-cache" => DiskUsageObject.BuildCache,
                _ => throw new InvalidArgumentException($"unknown object type: {EventTime.Shorten(type ?? "")}"),
            });
        }
        return wanted;
    }
}
