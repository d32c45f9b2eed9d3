using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Moat.Api.Contracts.Images;
using Moat.Api.Routing;
using Moat.Engine.Errors;
using Moat.Engine.Images;

namespace Moat.Api.Images;

/// <summary>The image endpoints of the Engine API (docker images/import/load/save/tag/rmi/history/inspect/prune).</summary>
public static class ImageRoutes
{
    public static void Map(RouteTable routes)
    {
        routes.MapGet("/images/json", "image.list", List);
        routes.MapPost("/images/create", "image.create", Create);
        routes.MapPost("/images/load", "image.load", Load);
        routes.MapGet("/images/get", "image.save", SaveMany, streams: true);
        routes.MapPost("/images/prune", "image.prune", Prune);
        routes.MapGet("/images/search", "image.search", Search);
        routes.MapGet("/images/{name*}/get", "image.save", SaveOne, streams: true);
        routes.MapGet("/images/{name*}/json", "image.inspect", Inspect);
        routes.MapGet("/images/{name*}/history", "image.history", History);
        routes.MapPost("/images/{name*}/tag", "image.tag", Tag);
        routes.MapPost("/images/{name*}/push", "image.push", Push);
        routes.MapDelete("/images/{name*}", "image.delete", Delete);
        // Until another area owns /system/df, the images area answers it with its part (containers, volumes: empty).
    }

    private static ImageService Service(ApiRequest request) => request.Services.GetRequiredService<ImageService>();

    private static Task List(ApiRequest request)
    {
        var filters = ParseFilters(request.Query("filters"));
        var list = Service(request).List(filters, QueryBool(request, "all"));
        return ApiResults.JsonAsync(request.Http, list, ImagesJsonContext.Default.ListImageSummary);
    }

    private static Task Inspect(ApiRequest request)
    {
        request.Resource = request.Value("name");
        return ApiResults.JsonAsync(request.Http, Service(request).Inspect(request.Value("name")), ImagesJsonContext.Default.ImageInspect);
    }

    private static Task History(ApiRequest request)
    {
        request.Resource = request.Value("name");
        return ApiResults.JsonAsync(request.Http, Service(request).History(request.Value("name")), ImagesJsonContext.Default.ListImageHistoryItem);
    }

    private static async Task Tag(ApiRequest request)
    {
        request.Resource = request.Value("name");
        await Service(request).TagAsync(request.Value("name"), request.Query("repo"), request.Query("tag"), request.Aborted);
        request.Http.Response.StatusCode = StatusCodes.Status201Created;
    }

    private static async Task Delete(ApiRequest request)
    {
        request.Resource = request.Value("name");
        var records = await Service(request).DeleteAsync(request.Value("name"), QueryBool(request, "force"), !QueryBool(request, "noprune"), request.Aborted);
        await ApiResults.JsonAsync(request.Http, records, ImagesJsonContext.Default.ListImageDeleteItem);
    }

    private static async Task Prune(ApiRequest request)
    {
        var report = await Service(request).PruneAsync(ParseFilters(request.Query("filters")), request.Aborted);
        await ApiResults.JsonAsync(request.Http, report, ImagesJsonContext.Default.ImagePruneReport);
    }

    /// <summary>POST /images/create: import (fromSrc) or pull (fromImage, refused: no registry access).</summary>
    private static async Task Create(ApiRequest request)
    {
        var http = request.Http;
        string? fromImage = request.Query("fromImage");
        string? fromSrc = request.Query("fromSrc");
        if (!string.IsNullOrEmpty(fromImage))
        {
            request.Resource = fromImage;
            ImageService.Pull(fromImage, request.Query("tag"));
            return;
        }
        if (string.IsNullOrEmpty(fromSrc)) throw new InvalidArgumentException("fromImage or fromSrc must be set");
        if (fromSrc != "-") throw new UnsupportedException("importing from a URL is not supported: moatd makes no outbound network requests (pipe the file: docker import - < file.tar)");
        request.Resource = request.Query("repo");
        DisableBodyLimit(http);
        var changes = http.Request.Query.TryGetValue("changes", out var c) ? c.Where(s => s is not null).Cast<string>().ToList() : [];
        string id = await Service(request).ImportAsync(http.Request.Body, request.Query("repo"), request.Query("tag"), request.Query("message"), changes, request.Query("platform"), request.Aborted);
        http.Response.ContentType = "application/json";
        await WriteMessageAsync(http, new JsonMessage { Status = id });
    }

    /// <summary>POST /images/load: always 200 with a JSON stream; failures are reported in it, as dockerd does.</summary>
    private static async Task Load(ApiRequest request)
    {
        var http = request.Http;
        DisableBodyLimit(http);
        bool quiet = QueryBool(request, "quiet", defaultValue: true);
        http.Response.ContentType = "application/json";
        http.Response.StatusCode = StatusCodes.Status200OK;
        try
        {
            await Service(request).LoadAsync(http.Request.Body, quiet, m => WriteMessageAsync(http, m), request.Aborted);
        }
        catch (MoatException e)
        {
            await WriteMessageAsync(http, new JsonMessage { Error = e.Message, ErrorDetail = new ErrorDetail { Message = e.Message } });
        }
    }

    private static Task SaveMany(ApiRequest request)
    {
        var names = request.Http.Request.Query.TryGetValue("names", out var n) ? n.Where(s => !string.IsNullOrEmpty(s)).Cast<string>().ToList() : [];
        return SaveAsync(request, names);
    }

    private static Task SaveOne(ApiRequest request) => SaveAsync(request, [request.Value("name")]);

    private static async Task SaveAsync(ApiRequest request, List<string> names)
    {
        if (names.Count == 0) throw new InvalidArgumentException("no images specified");
        request.Resource = string.Join(",", names);
        var service = Service(request);
        var plan = service.PrepareSave(names);
        var http = request.Http;
        http.Response.ContentType = "application/x-tar";
        http.Response.StatusCode = StatusCodes.Status200OK;
        await service.WriteSaveAsync(plan, http.Response.Body, request.Aborted);
    }

    private static Task Push(ApiRequest request)
    {
        request.Resource = request.Value("name");
        var reference = ImageReference.ParseNormalized(request.Value("name"));
        throw new RegistryUnavailableException($"registry access is disabled: moatd does not push to registries ({reference.FamiliarName})");
    }

    private static Task Search(ApiRequest request) =>
        throw new RegistryUnavailableException("registry access is disabled: moatd does not search registries");

    private static async Task WriteMessageAsync(HttpContext http, JsonMessage message)
    {
        byte[] json = JsonSerializer.SerializeToUtf8Bytes(message, ImagesJsonContext.Default.JsonMessage);
        await http.Response.Body.WriteAsync(json, http.RequestAborted);
        await http.Response.Body.WriteAsync("\r\n"u8.ToArray(), http.RequestAborted);
        await http.Response.Body.FlushAsync(http.RequestAborted);
    }

    private static void DisableBodyLimit(HttpContext http)
    {
        // Archives are as large as their images; the layer store bounds what is unpacked.
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit) limit.MaxRequestBodySize = null;
    }

    private static bool QueryBool(ApiRequest request, string name, bool defaultValue = false)
    {
        string? v = request.Query(name);
        if (v is null) return defaultValue;
        return v.Length > 0 && !(v == "0" || v.Equals("false", StringComparison.OrdinalIgnoreCase) || v.Equals("no", StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>filters={"key":{"value":true}} or the older {"key":["value"]}.</summary>
    internal static ImageFilters ParseFilters(string? json)
    {
        if (string.IsNullOrEmpty(json)) return ImageFilters.Empty;
        if (json.Length > 64 * 1024) throw new InvalidArgumentException("filters are too long");
        var values = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        try
        {
            using var doc = JsonDocument.Parse(json);
            if (doc.RootElement.ValueKind != JsonValueKind.Object) throw new InvalidArgumentException("invalid filters: expected a JSON object");
            foreach (var p in doc.RootElement.EnumerateObject())
            {
                var list = values.TryGetValue(p.Name, out var l) ? l : values[p.Name] = [];
                switch (p.Value.ValueKind)
                {
                    case JsonValueKind.Object:
                        foreach (var v in p.Value.EnumerateObject())
                            if (v.Value.ValueKind == JsonValueKind.True) list.Add(v.Name);
                        break;
                    case JsonValueKind.Array:
                        foreach (var v in p.Value.EnumerateArray())
                            list.Add(v.ValueKind == JsonValueKind.String ? v.GetString()! : throw new InvalidArgumentException("invalid filters: values must be strings"));
                        break;
                    default:
                        throw new InvalidArgumentException("invalid filters: expected {\"key\":{\"value\":true}}");
                }
            }
        }
        catch (JsonException e)
        {
            throw new InvalidArgumentException($"invalid filters: {e.Message}", e);
        }
        return new ImageFilters(values);
    }
}
