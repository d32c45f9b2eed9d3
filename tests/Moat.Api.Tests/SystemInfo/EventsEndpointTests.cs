using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Moat.Api.Routing;
using Moat.Api.Security;
using Moat.Api.Tests.Infrastructure;
using Moat.Engine.Events;

namespace Moat.Api.Tests.SystemInfo;

public sealed class EventsEndpointTests : IAsyncLifetime
{
    private ApiServer _server = null!;
    private EventBus _bus = null!;

    public async ValueTask InitializeAsync()
    {
        _server = await ApiServer.StartAsync();
        _bus = _server.Services.GetRequiredService<EventBus>();
    }

    public async ValueTask DisposeAsync() => await _server.DisposeAsync();

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    /// <summary>Exact "seconds.fraction" (100 ns resolution), as the CLI sends.</summary>
    private static string Unix(DateTimeOffset time)
    {
        long ticks = time.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks;
        return $"{ticks / TimeSpan.TicksPerSecond}.{ticks % TimeSpan.TicksPerSecond:D7}";
    }

    private async Task<List<JsonElement>> ReadAllAsync(string query, string version = "v1.51")
    {
        var response = await _server.Client.GetAsync($"/{version}/events{query}", Token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        string body = await response.Content.ReadAsStringAsync(Token);
        return [.. body.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement)];
    }

    private async Task<string> ErrorAsync(string query)
    {
        var response = await _server.Client.GetAsync("/v1.51/events" + query, Token);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync(Token)).RootElement.GetProperty("message").GetString()!;
    }

    [Fact]
    public async Task Events_HeadersFlushedAtOnce_ThenLiveEventsAsJsonLines()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1.51/events");
        using var response = await _server.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, Token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(Token));

        _bus.Publish("container", "start", "3f2a", new Dictionary<string, string> { ["name"] = "web", ["image"] = "busybox" });
        string? line = await reader.ReadLineAsync(Token).AsTask().WaitAsync(TimeSpan.FromSeconds(10), Token);

        var e = JsonDocument.Parse(line!).RootElement;
        Assert.Equal("container", e.GetProperty("Type").GetString());
        Assert.Equal("start", e.GetProperty("Action").GetString());
        Assert.Equal("3f2a", e.GetProperty("Actor").GetProperty("ID").GetString());
        Assert.Equal("web", e.GetProperty("Actor").GetProperty("Attributes").GetProperty("name").GetString());
        Assert.Equal("local", e.GetProperty("scope").GetString());
        Assert.Equal("start", e.GetProperty("status").GetString());
        Assert.Equal("3f2a", e.GetProperty("id").GetString());
        Assert.Equal("busybox", e.GetProperty("from").GetString());
        long time = e.GetProperty("time").GetInt64(), nano = e.GetProperty("timeNano").GetInt64();
        Assert.Equal(time, nano / 1_000_000_000);
        Assert.True(Math.Abs(time - DateTimeOffset.UtcNow.ToUnixTimeSeconds()) < 60);
    }

    [Fact]
    public async Task Events_SinceZeroUntilNow_ReturnsHistoryAndEnds()
    {
        _bus.Publish("volume", "create", "data");
        _bus.Publish("image", "pull", "sha256:abc", new Dictionary<string, string> { ["name"] = "busybox:latest" });

        var events = await ReadAllAsync($"?since=0&until={Unix(DateTimeOffset.UtcNow)}");

        Assert.Equal(["create", "pull"], events.Select(e => e.GetProperty("Action").GetString()));
        Assert.False(events[0].TryGetProperty("status", out _), "volume events carry no legacy fields");
        Assert.Equal("pull", events[1].GetProperty("status").GetString());
        Assert.Equal("sha256:abc", events[1].GetProperty("id").GetString());
        Assert.False(events[1].TryGetProperty("from", out _));
    }

    [Fact]
    public async Task Events_SinceExcludesOlderHistory()
    {
        _bus.Publish("volume", "create", "old");
        await Task.Delay(50, Token);
        var since = DateTimeOffset.UtcNow;
        await Task.Delay(50, Token);
        _bus.Publish("volume", "create", "new");

        var events = await ReadAllAsync($"?since={Unix(since)}&until={Unix(DateTimeOffset.UtcNow)}");

        Assert.Equal(["new"], events.Select(e => e.GetProperty("Actor").GetProperty("ID").GetString()));
    }

    [Fact]
    public async Task Events_UntilInFuture_StreamsLiveThenEndsOnTime()
    {
        var started = DateTimeOffset.UtcNow;
        var read = ReadAllAsync($"?until={Unix(started.AddSeconds(1))}");
        await Task.Delay(300, Token);
        _bus.Publish("network", "create", "n1");

        var events = await read.WaitAsync(TimeSpan.FromSeconds(10), Token);

        Assert.Equal(["n1"], events.Select(e => e.GetProperty("Actor").GetProperty("ID").GetString()));
        Assert.InRange((DateTimeOffset.UtcNow - started).TotalSeconds, 0.8, 5);
    }

    [Fact]
    public async Task Events_UntilFarInFuture_StreamsLive()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/events?until=32503680000");
        using var response = await _server.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, Token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(Token));

        _bus.Publish("volume", "create", "far");
        var e = JsonDocument.Parse((await reader.ReadLineAsync(Token).AsTask().WaitAsync(TimeSpan.FromSeconds(10), Token))!).RootElement;

        Assert.Equal("far", e.GetProperty("Actor").GetProperty("ID").GetString());
    }

    [Fact]
    public async Task Events_NoSinceNoUntil_NoHistory()
    {
        _bus.Publish("volume", "create", "before");
        using var request = new HttpRequestMessage(HttpMethod.Get, "/events");
        using var response = await _server.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, Token);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(Token));

        _bus.Publish("volume", "create", "after");
        var e = JsonDocument.Parse((await reader.ReadLineAsync(Token).AsTask().WaitAsync(TimeSpan.FromSeconds(10), Token))!).RootElement;

        Assert.Equal("after", e.GetProperty("Actor").GetProperty("ID").GetString());
    }

    [Fact]
    public async Task Events_Filters_Applied()
    {
        _bus.Publish("container", "start", "c1", new Dictionary<string, string> { ["name"] = "web" });
        _bus.Publish("container", "die", "c1", new Dictionary<string, string> { ["name"] = "web" });
        _bus.Publish("image", "pull", "i1");
        string filters = Uri.EscapeDataString("""{"type":{"container":true},"event":{"die":true}}""");

        var events = await ReadAllAsync($"?since=0&until={Unix(DateTimeOffset.UtcNow)}&filters={filters}");

        var e = Assert.Single(events);
        Assert.Equal("die", e.GetProperty("Action").GetString());
    }

    [Fact]
    public async Task Events_OldApi_SkipsImageCreate()
    {
        _bus.Publish("image", "create", "i1");
        _bus.Publish("image", "tag", "i1");
        string until = Unix(DateTimeOffset.UtcNow);

        var old = await ReadAllAsync($"?since=0&until={until}", "v1.45");
        var current = await ReadAllAsync($"?since=0&until={until}", "v1.46");

        Assert.Equal(["tag"], old.Select(e => e.GetProperty("Action").GetString()));
        Assert.Equal(["create", "tag"], current.Select(e => e.GetProperty("Action").GetString()));
    }

    [Fact]
    public async Task Events_InvalidFilter_Is400()
    {
        Assert.Equal("invalid filter", await ErrorAsync("?filters=notjson"));
    }

    [Fact]
    public async Task Events_SinceAfterUntil_Is400()
    {
        Assert.Equal("`since` time (200) cannot be after `until` time (100)", await ErrorAsync("?since=200&until=100"));
    }

    [Fact]
    public async Task Events_BadTime_Is400()
    {
        Assert.Equal("failed to parse value as time or duration: \"yesterday\"", await ErrorAsync("?since=yesterday"));
    }

    [Fact]
    public async Task Events_ClientDisconnect_EndsSubscription()
    {
        using (var request = new HttpRequestMessage(HttpMethod.Get, "/events"))
        using (var response = await _server.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, Token))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(1, _bus.SubscriberCount);
        }
        // The client no longer reads; the next event written (or the abort) ends the handler.
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (_bus.SubscriberCount != 0 && DateTime.UtcNow < deadline)
        {
            _bus.Publish("volume", "create", "x");
            await Task.Delay(50, Token);
        }

        Assert.Equal(0, _bus.SubscriberCount);
    }

    [Fact]
    public async Task Events_InfoCountsListeners()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/events");
        using var response = await _server.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, Token);

        var info = JsonDocument.Parse(await _server.Client.GetStringAsync("/info", Token)).RootElement;

        Assert.Equal(1, info.GetProperty("NEventsListener").GetInt32());
    }

    private sealed class OwnOnly : IEventVisibility
    {
        public Func<DockerEvent, bool> VisibleTo(ApiRequest request) => e => e.Owner == request.Caller.User;
    }

    [Fact]
    public async Task Events_VisibilityHook_HidesOthersEvents()
    {
        await using var server = await ApiServer.StartAsync(configure: s => s.AddSingleton<IEventVisibility, OwnOnly>());
        var bus = server.Services.GetRequiredService<EventBus>();
        bus.Publish("container", "start", "mine", owner: "anonymous");
        bus.Publish("container", "start", "theirs", owner: "bob");

        var body = await server.Client.GetStringAsync($"/events?since=0&until={Unix(DateTimeOffset.UtcNow)}", Token);

        Assert.Contains("\"mine\"", body);
        Assert.DoesNotContain("theirs", body);
    }
}
