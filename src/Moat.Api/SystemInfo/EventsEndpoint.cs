using System.Buffers;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Moat.Api.Contracts.SystemInfo;
using Moat.Api.Routing;
using Moat.Api.Security;
using Moat.Api.Versioning;
using Moat.Engine.Errors;
using Moat.Engine.Events;

namespace Moat.Api.SystemInfo;

/// <summary>
/// GET /events, as dockerd's getEvents:
/// <list type="number">
/// <item>since/until/filters are validated before anything is written (errors are ordinary 400s);</item>
/// <item>the subscription is taken before the headers, so no event between the two is lost;</item>
/// <item>200 + application/json, flushed at once (clients wait for the headers);</item>
/// <item>history in [since, until] when either is given, then live events, one JSON object per line;</item>
/// <item>an until in the past ends after the history, one in the future ends the stream at that time;</item>
/// <item>the client hanging up ends the subscription.</item>
/// </list>
/// Every event passes the filters and <see cref="IEventVisibility"/> (authorization's "own" scope).
/// </summary>
public static class EventsEndpoint
{
    private static readonly ApiVersion ImageCreateEvents = new(1, 46);
    private static readonly TimeSpan MaxWait = TimeSpan.FromDays(30);

    public static async Task HandleAsync(ApiRequest request)
    {
        var http = request.Http;
        var services = http.RequestServices;
        var time = services.GetService<TimeProvider>() ?? TimeProvider.System;
        var bus = services.GetRequiredService<EventBus>();
        var visibility = (services.GetService<IEventVisibility>() ?? new AllEventsVisible()).VisibleTo(request);

        var now = time.GetUtcNow();
        string? sinceText = request.Query("since"), untilText = request.Query("until");
        var since = EventTime.Parse(sinceText, now);
        var until = EventTime.Parse(untilText, now);
        if (until is not null && since is not null && until < since)
            throw new InvalidArgumentException($"`since` time ({EventTime.Shorten(sinceText!)}) cannot be after `until` time ({EventTime.Shorten(untilText!)})");
        var filter = new EventFilter(FilterArgs.FromJson(request.Query("filters")));
        bool skipImageCreate = request.Version < ImageCreateEvents;

        bool Wanted(DockerEvent e) =>
            !(skipImageCreate && e.Type == "image" && e.Action == "create") && filter.Include(e) && visibility(e);

        using var subscription = bus.Subscribe();

        http.Response.StatusCode = StatusCodes.Status200OK;
        http.Response.ContentType = "application/json";
        await http.Response.StartAsync(request.Aborted);
        await http.Response.Body.FlushAsync(request.Aborted);

        var buffer = new ArrayBufferWriter<byte>(512);
        if (since is not null || until is not null)
        {
            foreach (var e in subscription.History)
            {
                if (since is not null && e.Time < since) continue;
                if (until is not null && e.Time > until) continue;
                if (Wanted(e)) Append(buffer, e);
            }
            if (buffer.WrittenCount > 0) await WriteAsync(http, buffer, request.Aborted);
        }

        if (until is not null && until < now) return;

        // A timer cannot wait longer than ~49 days; an `until` beyond MaxWait simply streams until the client leaves.
        using var deadline = until is null || until.Value - now > MaxWait ? null : new CancellationTokenSource(until.Value - now, time);
        using var linked = deadline is null
            ? CancellationTokenSource.CreateLinkedTokenSource(request.Aborted)
            : CancellationTokenSource.CreateLinkedTokenSource(request.Aborted, deadline.Token);
        try
        {
            var reader = subscription.Reader;
            while (await reader.WaitToReadAsync(linked.Token))
            {
                while (reader.TryRead(out var e))
                    if (Wanted(e)) Append(buffer, e);
                if (buffer.WrittenCount > 0) await WriteAsync(http, buffer, linked.Token);
            }
        }
        catch (OperationCanceledException) when (deadline?.IsCancellationRequested == true && !request.Aborted.IsCancellationRequested)
        {
            // `until` reached: the stream ends normally.
        }
    }

    private static async Task WriteAsync(HttpContext http, ArrayBufferWriter<byte> buffer, CancellationToken cancellationToken)
    {
        await http.Response.Body.WriteAsync(buffer.WrittenMemory, cancellationToken);
        await http.Response.Body.FlushAsync(cancellationToken);
        buffer.ResetWrittenCount();
    }

    private static void Append(ArrayBufferWriter<byte> buffer, DockerEvent e)
    {
        using (var writer = new Utf8JsonWriter(buffer))
            JsonSerializer.Serialize(writer, ToWire(e), SystemJsonContext.Default.EventMessage);
        buffer.Write("\n"u8);
    }

    /// <summary>The wire form, with the deprecated status/id/from that dockerd still fills for container and image events.</summary>
    public static EventMessage ToWire(DockerEvent e)
    {
        long nanos = e.UnixTimeNanoseconds;
        var message = new EventMessage
        {
            Type = e.Type,
            Action = e.Action,
            Actor = new EventActor { ID = e.ActorId, Attributes = new SortedDictionary<string, string>(e.Attributes.ToDictionary(), StringComparer.Ordinal) },
            Scope = e.Scope,
            Time = Math.DivRem(nanos, 1_000_000_000L, out long rem) - (rem < 0 ? 1 : 0),
            TimeNano = nanos,
        };
        if (e.Type is "container" or "image")
        {
            message.Status = e.Action;
            message.Id = e.ActorId;
            if (e.Type == "container" && e.Attributes.TryGetValue("image", out var image) && image.Length > 0) message.From = image;
        }
        return message;
    }
}
