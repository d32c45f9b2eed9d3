using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Moat.Api.Containers;
using Moat.Api.Contracts.Volumes;
using Moat.Api.Json;
using Moat.Api.Routing;
using Moat.Api.Security;
using Moat.Engine.Errors;
using Moat.Engine.Volumes;

namespace Moat.Api.Volumes;

/// <summary>The /volumes endpoints over the local driver.</summary>
public static class VolumeRoutes
{
    private static readonly HashSet<string> ListFilters = ["dangling", "driver", "label", "name"];
    private static readonly HashSet<string> PruneFilters = ["label", "label!", "all"];

    public static void Map(RouteTable routes)
    {
        routes.MapGet("/volumes", "volume.list", List);
        routes.MapPost("/volumes/create", "volume.create", Create);
        routes.MapPost("/volumes/prune", "volume.prune", Prune);
        routes.MapGet("/volumes/{name}", "volume.inspect", Inspect);
        routes.MapDelete("/volumes/{name}", "volume.delete", Delete);
    }

    private static VolumeService Service(ApiRequest request) => request.Services.GetRequiredService<VolumeService>();

    /// <summary>The volume named by {name}, if the caller may see it; someone else's answers exactly as a missing one.</summary>
    private static VolumeRecord Visible(ApiRequest request)
    {
        string name = request.Value("name");
        var record = Service(request).Get(name);
        if (!request.CanSee(record.Owner)) throw new NotFoundException($"get {name}: no such volume");
        return record;
    }

    public static Volume View(VolumeRecord r, VolumeService service, bool usage = false) => new()
    {
        Name = r.Name,
        Driver = r.Driver,
        CreatedAt = r.CreatedAt.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture),
        Labels = r.Labels,
        Options = r.Options,
        Mountpoint = service.DataPath(r.Name),
        Scope = "local",
        UsageData = usage ? new VolumeUsageData { Size = VolumeService.DirectorySize(service.DataPath(r.Name)), RefCount = service.RefCount(r.Name) } : null,
    };

    private static async Task Create(ApiRequest request)
    {
        var body = await RequestBody.ReadJsonAsync(request, VolumesJsonContext.Default.VolumeCreateRequest) ?? new VolumeCreateRequest();
        await request.Services.GetRequiredService<IRequestAuthorizer>().AuthorizeBodyAsync(request, Moat.Api.Containers.CreateFacts.From(body));
        var service = Service(request);
        if (!string.IsNullOrEmpty(body.Name) && Service(request).TryGet(body.Name) is { } existing && !request.CanSee(existing.Owner))
            throw new VolumeOwnedElsewhereException(body.Name);
        string? owner = request.OwnerToStamp();
        if (owner is not null) (body.Labels ??= [])[Moat.Security.Policy.Ownership.Label] = owner;
        var record = service.Create(body.Name, body.Driver, body.Labels, body.DriverOpts, owner);
        request.Resource = record.Name;
        await ApiResults.JsonAsync(request.Http, View(record, service), VolumesJsonContext.Default.Volume, StatusCodes.Status201Created);
    }

    private static Task Inspect(ApiRequest request)
    {
        var service = Service(request);
        return ApiResults.JsonAsync(request.Http, View(Visible(request), service), VolumesJsonContext.Default.Volume);
    }

    private static Task List(ApiRequest request)
    {
        var service = Service(request);
        var filters = QueryValues.Filters(request);
        foreach (var key in filters.Keys)
            if (!ListFilters.Contains(key)) throw new InvalidArgumentException($"invalid filter '{key}'");
        var response = new VolumeListResponse();
        foreach (var r in service.List().OrderBy(r => r.Name, StringComparer.Ordinal))
        {
            if (!request.CanSee(r.Owner) || !Matches(r, filters, service)) continue;
            response.Volumes.Add(View(r, service));
        }
        return ApiResults.JsonAsync(request.Http, response, VolumesJsonContext.Default.VolumeListResponse);
    }

    private static bool Matches(VolumeRecord r, Dictionary<string, IReadOnlyList<string>> filters, VolumeService service)
    {
        if (filters.TryGetValue("name", out var names) && names.Count > 0 && !names.Any(n => r.Name.Contains(n, StringComparison.Ordinal))) return false;
        if (filters.TryGetValue("driver", out var drivers) && drivers.Count > 0 && !drivers.Contains(r.Driver)) return false;
        if (filters.TryGetValue("label", out var labels) && !labels.All(l => LabelMatches(r.Labels, l))) return false;
        if (filters.TryGetValue("label!", out var notLabels) && notLabels.Any(l => LabelMatches(r.Labels, l))) return false;
        if (filters.TryGetValue("dangling", out var dangling) && dangling.Count > 0)
        {
            bool wantDangling = dangling[0] is "true" or "1";
            if (dangling[0] is not ("true" or "1" or "false" or "0"))
                throw new InvalidArgumentException($"invalid filter 'dangling={dangling[0]}'");
            if ((service.RefCount(r.Name) == 0) != wantDangling) return false;
        }
        return true;
    }

    private static bool LabelMatches(Dictionary<string, string> labels, string filter)
    {
        int eq = filter.IndexOf('=');
        if (eq < 0) return labels.ContainsKey(filter);
        return labels.TryGetValue(filter[..eq], out var v) && v == filter[(eq + 1)..];
    }

    private static Task Delete(ApiRequest request)
    {
        var service = Service(request);
        string name = request.Value("name");
        bool force = QueryValues.Bool(request, "force");
        // Someone else's volume answers as a missing one: 404, or 204 with force (and stays).
        if (service.TryGet(name) is { } record && !request.CanSee(record.Owner))
        {
            if (force) return ApiResults.NoContent(request.Http);
            throw new NotFoundException($"get {name}: no such volume");
        }
        service.Remove(name, force);
        return ApiResults.NoContent(request.Http);
    }

    private static Task Prune(ApiRequest request)
    {
        var service = Service(request);
        var filters = QueryValues.Filters(request);
        foreach (var key in filters.Keys)
            if (!PruneFilters.Contains(key)) throw new InvalidArgumentException($"invalid filter '{key}'");
        bool all = filters.TryGetValue("all", out var allValues) && allValues.Any(v => v is "true" or "1");
        var (deleted, reclaimed) = service.Prune(r => request.CanSee(r.Owner) && Matches(r, filters.Where(f => f.Key != "all").ToDictionary(), service), all);
        return ApiResults.JsonAsync(request.Http, new VolumePruneResponse { VolumesDeleted = deleted, SpaceReclaimed = reclaimed }, VolumesJsonContext.Default.VolumePruneResponse);
    }
}

/// <summary>Volume names are global: a name another user's volume holds cannot be created or mounted.</summary>
public sealed class VolumeOwnedElsewhereException(string name)
    : ConflictException($"volume name {name} is already in use by another user");
