using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Moat.Api.Routing;
using Moat.Engine.Containers.Archive;
using Moat.Engine.Errors;

namespace Moat.Api.Containers;

/// <summary>
/// docker cp: HEAD/GET/PUT /containers/{id}/archive (docs/archive.md). Reading is container.archive, writing
/// container.extract. Paths are resolved by the engine inside the container's root, never on the host.
/// </summary>
public static partial class ContainerRoutes
{
    private static void MapArchive(RouteTable routes)
    {
        routes.MapHead("/containers/{id}/archive", "container.archive", ArchiveStat);
        routes.MapGet("/containers/{id}/archive", "container.archive", ArchiveGet, streams: true);
        routes.MapPut("/containers/{id}/archive", "container.extract", ArchivePut);
    }

    /// <summary>dockerd's archiveFormValues: path is required (checked before the container is looked up).</summary>
    private static string ArchivePath(ApiRequest request)
    {
        string? path = request.Query("path");
        if (string.IsNullOrEmpty(path)) throw new InvalidArgumentException("Path cannot be empty");
        if (path.Length > 16 * 1024) throw new InvalidArgumentException("Path is too long");
        return path;
    }

    private static async Task ArchiveStat(ApiRequest request)
    {
        string path = ArchivePath(request);
        string id = VisibleId(request);
        var stat = await Service(request).StatPathAsync(id, path, request.Aborted);
        request.Http.Response.Headers[PathStat.HeaderName] = stat.ToHeader();
        request.Http.Response.StatusCode = StatusCodes.Status200OK;
    }

    private static async Task ArchiveGet(ApiRequest request)
    {
        string path = ArchivePath(request);
        string id = VisibleId(request);
        using var archive = await Service(request).ArchivePathAsync(id, path, request.Aborted);
        var response = request.Http.Response;
        response.Headers[PathStat.HeaderName] = archive.Stat.ToHeader();
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "application/x-tar";
        await archive.WriteAsync(response.Body, request.Aborted);
    }

    private static async Task ArchivePut(ApiRequest request)
    {
        string path = ArchivePath(request);
        string id = VisibleId(request);
        // The upload is as large as what is copied; the extraction bounds it (entries, decompressed bytes).
        if (request.Http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit) limit.MaxRequestBodySize = null;
        await Service(request).ExtractToDirAsync(id, path,
            copyUidGid: QueryValues.Bool(request, "copyUIDGID"),
            noOverwriteDirNonDir: QueryValues.Bool(request, "noOverwriteDirNonDir"),
            request.Http.Request.Body, request.Aborted);
        request.Http.Response.StatusCode = StatusCodes.Status200OK;
    }
}
