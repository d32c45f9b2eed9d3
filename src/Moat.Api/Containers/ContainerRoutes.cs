using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Moat.Api.Contracts.Containers;
using Moat.Api.Json;
using Moat.Api.Routing;
using Moat.Api.Security;
using Moat.Engine.Containers;
using Moat.Engine.Errors;

namespace Moat.Api.Containers;

/// <summary>The /containers endpoints: thin handlers over <see cref="ContainerService"/>.</summary>
public static partial class ContainerRoutes
{
    public static void Map(RouteTable routes)
    {
        routes.MapPost("/containers/create", "container.create", Create);
        routes.MapGet("/containers/json", "container.list", List);
        routes.MapPost("/containers/prune", "container.prune", Prune);
        routes.MapGet("/containers/{id}/json", "container.inspect", Inspect);
        routes.MapPost("/containers/{id}/start", "container.start", Start);
        routes.MapPost("/containers/{id}/stop", "container.stop", Stop);
        routes.MapPost("/containers/{id}/restart", "container.restart", Restart);
        routes.MapPost("/containers/{id}/kill", "container.kill", Kill);
        routes.MapPost("/containers/{id}/pause", "container.pause", Pause);
        routes.MapPost("/containers/{id}/unpause", "container.unpause", Unpause);
        routes.MapPost("/containers/{id}/wait", "container.wait", Wait);
        routes.MapDelete("/containers/{id}", "container.delete", Delete);
        routes.MapGet("/containers/{id}/logs", "container.logs", Logs, streams: true);
        routes.Map("POST", "/containers/{id}/attach", "container.attach", Attach, hijacks: true);
        routes.MapPost("/containers/{id}/rename", "container.rename", Rename);
        routes.MapPost("/containers/{id}/update", "container.update", Update);
        routes.MapPost("/containers/{id}/resize", "container.resize", Resize);
        routes.MapGet("/containers/{id}/top", "container.top", Top);
        routes.MapGet("/containers/{id}/stats", "container.stats", Stats, streams: true);
        routes.MapGet("/containers/{id}/export", "container.export", Export, streams: true);
        MapArchive(routes);
        Exec.ExecRoutes.Map(routes);
    }

    private static ContainerService Service(ApiRequest request) => request.Services.GetRequiredService<ContainerService>();

    /// <summary>
    /// The container named by {id}, if the caller may see it. Someone else's container (authorization's "own"
    /// scope) answers exactly as a missing one, so its existence does not leak.
    /// </summary>
    private static ContainerRecord Visible(ApiRequest request)
    {
        return Service(request).Get(request.Value("id"), request.OwnerFilter());
    }

    /// <summary>{id} as the client sent it, after <see cref="Visible"/> checked the caller may see it.</summary>
    private static string VisibleId(ApiRequest request)
    {
        Visible(request);
        return request.Value("id");
    }

    private static async Task Create(ApiRequest request)
    {
        var body = await RequestBody.ReadJsonAsync(request, ContainersJsonContext.Default.ContainerCreateRequest)
            ?? throw new InvalidArgumentException("config cannot be empty in order to create a container");
        await request.Services.GetRequiredService<IRequestAuthorizer>().AuthorizeBodyAsync(request, CreateFacts.From(body));
        CheckVolumesVisible(request, body);
        string? owner = request.OwnerToStamp();
        if (owner is not null) (body.Labels ??= [])[Moat.Security.Policy.Ownership.Label] = owner;
        var result = await HidingOthersNames(request, () => Service(request).CreateAsync(body, request.Query("name"), owner, request.Aborted));
        request.Created(result.Id);
        await ApiResults.JsonAsync(request.Http, new ContainerCreateResponse { Id = result.Id, Warnings = result.Warnings },
            ContainersJsonContext.Default.ContainerCreateResponse, StatusCodes.Status201Created);
    }

    /// <summary>
    /// Container names are global: a name held by a container the caller may not see is reported as taken,
    /// without the holder's ID.
    /// </summary>
    private static async Task<T> HidingOthersNames<T>(ApiRequest request, Func<Task<T>> action)
    {
        try
        {
            return await action();
        }
        catch (ContainerNameConflictException e) when (Service(request).TryGet(e.HolderId) is { } holder && !request.CanSee(holder.Owner))
        {
            throw e.Redacted();
        }
    }

    /// <summary>Named volumes are global, like container names: another user's volume cannot be mounted.</summary>
    private static void CheckVolumesVisible(ApiRequest request, ContainerCreateRequest body)
    {
        if (request.OwnerFilter() is null) return;
        var volumes = request.Services.GetRequiredService<Moat.Engine.Volumes.VolumeService>();
        var names = new List<string>();
        foreach (var bind in body.HostConfig?.Binds ?? [])
        {
            string source = bind.Split(':')[0];
            if (source.Length > 0 && !source.StartsWith('/')) names.Add(source);
        }
        foreach (var m in body.HostConfig?.Mounts ?? [])
            if (m.Type == "volume" && !string.IsNullOrEmpty(m.Source)) names.Add(m.Source);
        foreach (var name in names)
            if (volumes.TryGet(name) is { } v && !request.CanSee(v.Owner))
                throw new Moat.Api.Volumes.VolumeOwnedElsewhereException(name);
    }

    private static Task List(ApiRequest request)
    {
        var service = Service(request);
        var records = service.List(new ContainerListOptions
        {
            All = QueryValues.Bool(request, "all"),
            Limit = QueryValues.Int(request, "limit") ?? -1,
            Filters = QueryValues.Filters(request),
            Owner = request.OwnerFilter(),
        });
        bool size = QueryValues.Bool(request, "size");
        var list = new List<ContainerSummary>(records.Count);
        foreach (var r in records)
        {
            var s = ContainerViews.Summary(r, service);
            if (size) { s.SizeRw = service.SizeRw(r); s.SizeRootFs = s.SizeRw; }
            list.Add(s);
        }
        return ApiResults.JsonAsync(request.Http, list, ContainersJsonContext.Default.ListContainerSummary);
    }

    private static Task Inspect(ApiRequest request)
    {
        var service = Service(request);
        var record = Visible(request);
        var view = ContainerViews.Inspect(record);
        view.ExecIDs = request.Services.GetService<Moat.Engine.Exec.ExecService>()?.IdsOf(record.Id);
        if (QueryValues.Bool(request, "size")) { view.SizeRw = service.SizeRw(record); view.SizeRootFs = view.SizeRw; }
        return ApiResults.JsonAsync(request.Http, view, ContainersJsonContext.Default.ContainerInspectResponse);
    }

    private static async Task Start(ApiRequest request)
    {
        await Service(request).StartAsync(VisibleId(request), request.Aborted);
        await ApiResults.NoContent(request.Http);
    }

    private static async Task Stop(ApiRequest request)
    {
        await Service(request).StopAsync(VisibleId(request), QueryValues.Int(request, "t"), request.Query("signal"), request.Aborted);
        await ApiResults.NoContent(request.Http);
    }

    private static async Task Restart(ApiRequest request)
    {
        await Service(request).RestartAsync(VisibleId(request), QueryValues.Int(request, "t"), request.Query("signal"), request.Aborted);
        await ApiResults.NoContent(request.Http);
    }

    private static async Task Kill(ApiRequest request)
    {
        await Service(request).KillAsync(VisibleId(request), request.Query("signal"), request.Aborted);
        await ApiResults.NoContent(request.Http);
    }

    private static async Task Pause(ApiRequest request)
    {
        await Service(request).PauseAsync(VisibleId(request), request.Aborted);
        await ApiResults.NoContent(request.Http);
    }

    private static async Task Unpause(ApiRequest request)
    {
        await Service(request).UnpauseAsync(VisibleId(request), request.Aborted);
        await ApiResults.NoContent(request.Http);
    }

    private static async Task Delete(ApiRequest request)
    {
        await Service(request).RemoveAsync(VisibleId(request), QueryValues.Bool(request, "force"), QueryValues.Bool(request, "v"), request.Aborted);
        await ApiResults.NoContent(request.Http);
    }

    /// <summary>
    /// POST /wait: (1) register the waiter, (2) send and flush the headers — `docker run` sends start only
    /// after that — (3) block until the condition, (4) write the exit status.
    /// </summary>
    private static async Task Wait(ApiRequest request)
    {
        var service = Service(request);
        var condition = ContainerService.ParseWaitCondition(request.Query("condition"));
        var waiter = service.RegisterWait(VisibleId(request), condition);

        var response = request.Http.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "application/json";
        await response.StartAsync(request.Aborted);
        await response.Body.FlushAsync(request.Aborted);

        var exit = await waiter.WaitAsync(request.Aborted);
        var result = new ContainerWaitResponse { StatusCode = exit.ExitCode };
        var bytes = JsonSerializer.SerializeToUtf8Bytes(result, ContainersJsonContext.Default.ContainerWaitResponse);
        await response.Body.WriteAsync(bytes, request.Aborted);
        await response.Body.WriteAsync("\n"u8.ToArray(), request.Aborted);
    }

    private static async Task Rename(ApiRequest request)
    {
        string? name = request.Query("name");
        if (string.IsNullOrEmpty(name)) throw new InvalidArgumentException("Neither old nor new names may be empty");
        string id = VisibleId(request);
        await HidingOthersNames(request, async () => { await Service(request).RenameAsync(id, name, request.Aborted); return true; });
        await ApiResults.NoContent(request.Http);
    }

    private static async Task Update(ApiRequest request)
    {
        // Update changes resources and the restart policy only: the route's action (container.update) decides.
        var body = await RequestBody.ReadJsonAsync(request, ContainersJsonContext.Default.ContainerUpdateRequest) ?? new ContainerUpdateRequest();
        var warnings = await Service(request).UpdateAsync(VisibleId(request), body, request.Aborted);
        await ApiResults.JsonAsync(request.Http, new ContainerUpdateResponse { Warnings = warnings }, ContainersJsonContext.Default.ContainerUpdateResponse);
    }

    /// <summary>POST /resize?h=&amp;w=: the TTY's size (dockerd: 409 unless running; a container without a TTY ignores it).</summary>
    private static Task Resize(ApiRequest request)
    {
        int height = ResizeValue(request, "h", "height"), width = ResizeValue(request, "w", "width");
        var record = Visible(request);
        if (record.State.Status is not (ContainerStatus.Running or ContainerStatus.Paused))
            throw new ConflictException($"container {record.Id} is not running");
        var runtime = request.Services.GetService<Moat.Engine.Runtime.RuntimeService>();
        if (record.Config.Tty && height > 0 && width > 0 && runtime is not null)
        {
            try { runtime.Resize(record.Id, height, width); }
            catch (ConflictException) { throw new ConflictException($"container {record.Id} is not running"); }
            Service(request).PublishEvent(record, "resize", new()
            {
                ["height"] = height.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["width"] = width.ToString(System.Globalization.CultureInfo.InvariantCulture),
            });
        }
        request.Http.Response.StatusCode = StatusCodes.Status200OK;
        return Task.CompletedTask;
    }

    /// <summary>h or w as dockerd parses them (empty = 0; else an unsigned 32-bit number).</summary>
    internal static int ResizeValue(ApiRequest request, string key, string word)
    {
        string? text = request.Query(key);
        if (string.IsNullOrEmpty(text)) return 0;
        if (!uint.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out uint value))
            throw new InvalidArgumentException($"invalid resize {word} \"{text}\": strconv.ParseUint: parsing \"{text}\": invalid syntax");
        return (int)Math.Min(value, ushort.MaxValue);
    }

    private static async Task Prune(ApiRequest request)
    {
        var filters = QueryValues.Filters(request);
        var (deleted, reclaimed) = await Service(request).PruneAsync(filters, request.OwnerFilter(), request.Aborted);
        await ApiResults.JsonAsync(request.Http, new ContainerPruneResponse { ContainersDeleted = deleted, SpaceReclaimed = reclaimed },
            ContainersJsonContext.Default.ContainerPruneResponse);
    }
}
