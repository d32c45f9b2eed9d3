using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Moat.Api.Containers;
using Moat.Api.Routing;

namespace Moat.Api.Streaming;

/// <summary>The client side of a hijacked stream: the upgraded connection, or a 200 response body without Upgrade.</summary>
public sealed class Hijack : IAsyncDisposable
{
    private readonly HttpContext _http;

    private Hijack(HttpContext http, Stream stream, bool upgraded, HalfClose.Gate? gate)
    {
        _http = http;
        Stream = stream;
        Upgraded = upgraded;
        Gate = gate;
    }

    public Stream Stream { get; }
    /// <summary>False for dockerd's plain 200 reply (no Upgrade header): output only, no stdin.</summary>
    public bool Upgraded { get; }
    public HalfClose.Gate? Gate { get; }

    /// <summary>
    /// 101 with Upgrade: tcp and the stream's content type when the client asked to upgrade, else 200 with
    /// application/vnd.docker.raw-stream. Call only after every check that should be an HTTP error.
    /// </summary>
    public static async Task<Hijack> StartAsync(ApiRequest request, string contentType)
    {
        var http = request.Http;
        var upgrade = http.Features.Get<IHttpUpgradeFeature>();
        var gate = HalfClose.For(http);
        if (upgrade is { IsUpgradableRequest: true })
        {
            if (gate is not null) gate.Upgraded = true;
            http.Response.Headers.ContentType = contentType;
            http.Response.Headers.Connection = "Upgrade";
            http.Response.Headers.Upgrade = "tcp";
            var stream = await upgrade.UpgradeAsync();
            return new Hijack(http, stream, upgraded: true, gate);
        }
        http.Response.StatusCode = StatusCodes.Status200OK;
        http.Response.ContentType = StreamFraming.Raw;
        await http.Response.StartAsync(request.Aborted);
        await http.Response.Body.FlushAsync(request.Aborted);
        return new Hijack(http, http.Response.Body, upgraded: false, gate: null);
    }

    public async ValueTask DisposeAsync()
    {
        if (!Upgraded) return;
        Gate?.Finish();
        try { await Stream.DisposeAsync(); }
        catch (IOException) { }
    }
}
