using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Moat.Api.Routing;
using Moat.Api.Tests.Infrastructure;
using Moat.Engine.Errors;

namespace Moat.Api.Tests;

public sealed class ApiPipelineTests : IAsyncLifetime
{
    private ApiServer _server = null!;

    public async ValueTask InitializeAsync()
    {
        _server = await ApiServer.StartAsync(routes =>
        {
            routes.MapGet("/containers/json", "container.list", r => Text(r, $"list v{r.Version}"));
            routes.MapGet("/containers/{id}/json", "container.inspect", r => Text(r, $"inspect {r.Value("id")}"));
            routes.MapGet("/images/{name*}/json", "image.inspect", r => Text(r, $"image {r.Value("name")}"));
            routes.MapGet("/test/throw/{kind}", "test.throw", Throw);
            routes.MapGet("/test/midstream", "test.midstream", async r =>
            {
                r.Http.Response.StatusCode = 200;
                await r.Http.Response.Body.WriteAsync("partial"u8.ToArray(), r.Aborted);
                await r.Http.Response.Body.FlushAsync(r.Aborted);
                await Task.Delay(200, r.Aborted); // let the transport send what was flushed before the abort
                throw new InvalidOperationException("failed after the headers");
            });
            routes.MapGet("/test/hang", "test.hang", async r => await Task.Delay(Timeout.Infinite, r.Aborted));
        });
    }

    public async ValueTask DisposeAsync() => await _server.DisposeAsync();

    private static Task Text(ApiRequest request, string text)
    {
        request.Http.Response.ContentType = "text/plain";
        return request.Http.Response.WriteAsync(text, request.Aborted);
    }

    private static Task Throw(ApiRequest request) => throw (request.Value("kind") switch
    {
        "notfound" => new NotFoundException("No such container: abc"),
        "invalid" => new InvalidArgumentException("bad parameter"),
        "conflict" => new ConflictException("conflict"),
        "unauthenticated" => new UnauthenticatedException("who are you"),
        "forbidden" => new ForbiddenException("denied"),
        "notmodified" => new NotModifiedException(),
        "unavailable" => new UnavailableException("later"),
        "unsupported" => new UnsupportedException("not implemented"),
        "kestrel" => new BadHttpRequestException("Request body too large.", StatusCodes.Status413PayloadTooLarge),
        _ => (Exception)new InvalidOperationException("secret internal detail"),
    });

    private static string Message(RawResponse response) =>
        JsonDocument.Parse(response.Body).RootElement.GetProperty("message").GetString()!;

    [Theory]
    [InlineData("/_ping")]
    [InlineData("/nope")]
    [InlineData("/v1.12/_ping")]
    [InlineData("/v9.0/_ping")]
    [InlineData("/test/throw/bug")]
    [InlineData("//containers/json")]
    public async Task AnyResponse_CarriesDockerHeaders(string target)
    {
        var response = await _server.RequestAsync("GET", target);

        Assert.Equal("1.51", response.Header("Api-Version"));
        Assert.Equal("linux", response.Header("Ostype"));
        Assert.Equal("false", response.Header("Docker-Experimental"));
        Assert.Equal("Docker/28.2.2-moat (linux)", response.Header("Server"));
    }

    [Fact]
    public async Task GetPing_ReturnsOkWithPingHeaders()
    {
        var response = await _server.RequestAsync("GET", "/_ping");

        Assert.Equal(200, response.Status);
        Assert.Equal("OK", response.Body);
        Assert.Equal("no-cache, no-store, must-revalidate", response.Header("Cache-Control"));
        Assert.Equal("no-cache", response.Header("Pragma"));
        Assert.Equal("inactive", response.Header("Swarm"));
        Assert.NotNull(response.Header("Builder-Version"));
    }

    [Fact]
    public async Task HeadPing_ReturnsEmptyTextPlain()
    {
        var response = await _server.RequestAsync("HEAD", "/_ping");

        Assert.Equal(200, response.Status);
        Assert.Equal("", response.Body);
        Assert.Equal("text/plain; charset=utf-8", response.Header("Content-Type"));
        Assert.Equal("0", response.Header("Content-Length"));
        Assert.Equal("1.51", response.Header("Api-Version"));
    }

    [Theory]
    [InlineData("GET", "/nope")]
    [InlineData("POST", "/_ping")]
    [InlineData("DELETE", "/containers/json")]
    [InlineData("HEAD", "/containers/json")]
    [InlineData("GET", "/containers/json/")]
    [InlineData("GET", "/containers/abc/json/extra")]
    [InlineData("GET", "/v1.50/")]
    [InlineData("GET", "/v1.50")]
    [InlineData("GET", "/v1.50/nope")]
    [InlineData("GET", "/v9.99/nope")]
    [InlineData("GET", "/v1.2/nope")]
    [InlineData("GET", "/vx/_ping")]
    [InlineData("GET", "/v/_ping")]
    [InlineData("GET", "/v1.50/v1.50/_ping")]
    public async Task UnknownRouteOrMethod_Returns404PageNotFound(string method, string target)
    {
        var response = await _server.RequestAsync(method, target);

        Assert.Equal(404, response.Status);
        if (method != "HEAD")
        {
            Assert.Equal("application/json", response.Header("Content-Type"));
            Assert.Equal("page not found", Message(response));
        }
    }

    [Theory]
    [InlineData("/containers/json", "list v1.51")]
    [InlineData("/v1.51/containers/json", "list v1.51")]
    [InlineData("/v1.50/containers/json", "list v1.50")]
    [InlineData("/v1.24/containers/json", "list v1.24")]
    [InlineData("/v1.050/containers/json", "list v1.50")]
    [InlineData("/v1.50.1/containers/json", "list v1.50")]
    [InlineData("/containers/json?x=/../images", "list v1.51")]
    [InlineData("/containers/json?/v1.12/", "list v1.51")]
    [InlineData("/%63ontainers/json", "list v1.51")]
    [InlineData("/containers%2Fjson", "list v1.51")]
    [InlineData("/containers/abc/json", "inspect abc")]
    [InlineData("/images/localhost:5000/a/b:1/json", "image localhost:5000/a/b:1")]
    [InlineData("/images/a%2Fb/json", "image a/b")]
    [InlineData("http://api.moby.localhost/containers/json", "list v1.51")]
    public async Task Path_RoutesAsDockerdWould(string target, string expected)
    {
        var response = await _server.RequestAsync("GET", target);

        Assert.Equal(200, response.Status);
        Assert.Equal(expected, response.Body);
    }

    [Theory]
    [InlineData("//containers/json", "/containers/json")]
    [InlineData("/containers/./json", "/containers/json")]
    [InlineData("/images/../containers/json?all=1", "/containers/json?all=1")]
    [InlineData("/v1.50/images/../../containers/json", "/containers/json")]
    [InlineData("/../../_ping", "/_ping")]
    [InlineData("/%2e%2e/_ping", "/_ping")]
    [InlineData("/containers%2F..%2Fimages/json", "/images/json")]
    [InlineData("/containers//json/", "/containers/json/")]
    public async Task UncleanPath_RedirectsToCleanPathAndRunsNothing(string target, string location)
    {
        var response = await _server.RequestAsync("GET", target);

        Assert.Equal(301, response.Status);
        Assert.Equal(location, response.Header("Location"));
        Assert.Equal("", response.Body);
    }

    [Theory]
    [InlineData("/containers/%zz/json")]
    [InlineData("/containers/%4/json")]
    [InlineData("/containers/a%0Ab/json")]
    [InlineData("/containers/%ff%fe/json")]
    public async Task BadPercentEncoding_Returns400(string target)
    {
        var response = await _server.RequestAsync("GET", target);

        Assert.Equal(400, response.Status);
        Assert.Equal("invalid request URI", Message(response));
    }

    [Fact]
    public async Task NulInPath_RefusedWith400()
    {
        // Kestrel itself refuses a decoded NUL before the pipeline runs; RequestPath would too.
        var response = await _server.RequestAsync("GET", "/containers/a%00b/json");

        Assert.Equal(400, response.Status);
    }

    [Theory]
    [InlineData("/v1.23/_ping", "1.23")]
    [InlineData("/v1.12/_ping", "1.12")]
    [InlineData("/v1/_ping", "1")]
    [InlineData("/v../_ping", "..")]
    [InlineData("/v0.99999999999999999999/_ping", "0.99999999999999999999")]
    public async Task TooOldVersion_UpTo123_IsPlainText400(string target, string version)
    {
        var response = await _server.RequestAsync("GET", target);

        Assert.Equal(400, response.Status);
        Assert.Equal("text/plain; charset=utf-8", response.Header("Content-Type"));
        Assert.Equal($"client version {version} is too old. Minimum supported API version is 1.24, please upgrade your client to a newer version\n", response.Body);
    }

    [Fact]
    public async Task TooOldVersion_Above123_IsJson400()
    {
        var response = await _server.RequestAsync("GET", "/v1.23.5/_ping");

        Assert.Equal(400, response.Status);
        Assert.Equal("application/json", response.Header("Content-Type"));
        Assert.Equal("client version 1.23.5 is too old. Minimum supported API version is 1.24, please upgrade your client to a newer version", Message(response));
    }

    [Theory]
    [InlineData("/v1.52/_ping", "1.52")]
    [InlineData("/v2.0/version", "2.0")]
    [InlineData("/v1.51.1/_ping", "1.51.1")]
    public async Task TooNewVersion_IsJson400(string target, string version)
    {
        var response = await _server.RequestAsync("GET", target);

        Assert.Equal(400, response.Status);
        Assert.Equal("application/json", response.Header("Content-Type"));
        Assert.Equal($"client version {version} is too new. Maximum supported API version is 1.51", Message(response));
    }

    [Theory]
    [InlineData("notfound", 404, "No such container: abc")]
    [InlineData("invalid", 400, "bad parameter")]
    [InlineData("conflict", 409, "conflict")]
    [InlineData("unauthenticated", 401, "who are you")]
    [InlineData("forbidden", 403, "denied")]
    [InlineData("unavailable", 503, "later")]
    [InlineData("unsupported", 501, "not implemented")]
    public async Task CategorizedError_MapsToStatusAndMessage(string kind, int status, string message)
    {
        var response = await _server.RequestAsync("GET", "/test/throw/" + kind);

        Assert.Equal(status, response.Status);
        Assert.Equal("application/json", response.Header("Content-Type"));
        Assert.Equal(message, Message(response));
        Assert.EndsWith("}\n", response.Body);
    }

    [Fact]
    public async Task KestrelBadRequest_KeepsItsStatus_NotA500()
    {
        var response = await _server.RequestAsync("GET", "/test/throw/kestrel");

        Assert.Equal(413, response.Status);
        Assert.Equal("Request body too large.", Message(response));
        Assert.DoesNotContain(_server.Logs.Lines, l => l.Level >= LogLevel.Error);
    }

    [Fact]
    public async Task CallerResolver_SetsCallerBeforeAuthorizationAndLogging()
    {
        await using var server = await ApiServer.StartAsync(
            routes => routes.MapGet("/whoami", "test.whoami", r => Text(r, r.Caller.User)),
            services => services.AddSingleton<Moat.Api.Security.ICallerResolver, FixedCaller>());

        var response = await server.RequestAsync("GET", "/whoami");

        Assert.Equal("alice", response.Body);
        await WaitForAsync(() => Task.FromResult(server.Logs.Lines.Any(l => l.EventId.Id == 1000)));
        Assert.Contains("caller=alice transport=tls", Assert.Single(server.Logs.Lines, l => l.EventId.Id == 1000).Message);
    }

    private sealed class FixedCaller : Moat.Api.Security.ICallerResolver
    {
        public ValueTask<Moat.Api.Security.IdentifiedConnection> ConnectionAsync(HttpContext http) =>
            ValueTask.FromResult(new Moat.Api.Security.IdentifiedConnection(
                new Moat.Security.Identity.Caller { User = "alice", Transport = "tls", Method = Moat.Security.Identity.AuthMethod.Tls }));
    }

    [Fact]
    public async Task NotModified_Returns304WithoutBody()
    {
        var response = await _server.RequestAsync("GET", "/test/throw/notmodified");

        Assert.Equal(304, response.Status);
        Assert.Equal("", response.Body);
    }

    [Fact]
    public async Task UnexpectedException_Returns500WithCorrelationIdAndLogsDetails()
    {
        var response = await _server.RequestAsync("GET", "/test/throw/bug");

        Assert.Equal(500, response.Status);
        string message = Message(response);
        Assert.StartsWith("internal error (correlation id ", message);
        Assert.DoesNotContain("secret internal detail", response.Body);
        string correlation = message["internal error (correlation id ".Length..^1];
        var logged = Assert.Single(_server.Logs.Lines, l => l.EventId.Id == 500);
        Assert.Equal(LogLevel.Error, logged.Level);
        Assert.Contains(correlation, logged.Message);
        Assert.Equal("secret internal detail", logged.Exception?.Message);
    }

    [Fact]
    public async Task ExceptionAfterResponseStarted_AbortsConnection()
    {
        var response = await _server.RequestAsync("GET", "/test/midstream");

        Assert.Equal(200, response.Status);
        Assert.False(response.Complete, "the chunked body must be cut, not terminated cleanly");
        Assert.Contains("partial", response.Body);
    }

    [Fact]
    public async Task ClientHangup_IsCancellationWithoutErrorLog()
    {
        using (var client = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.Unix, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Unspecified))
        {
            await client.ConnectAsync(new System.Net.Sockets.UnixDomainSocketEndPoint(_server.SocketPath), TestContext.Current.CancellationToken);
            await client.SendAsync(Encoding.ASCII.GetBytes("GET /test/hang HTTP/1.1\r\nHost: x\r\n\r\n"), TestContext.Current.CancellationToken);
            await Task.Delay(300, TestContext.Current.CancellationToken);
        }

        await WaitForAsync(() => Task.FromResult(_server.Logs.Lines.Any(l => l.EventId.Id == 1001)));
        Assert.DoesNotContain(_server.Logs.Lines, l => l.Level >= LogLevel.Error);
        var line = Assert.Single(_server.Logs.Lines, l => l.EventId.Id == 1001);
        Assert.Contains("/test/hang", line.Message);
    }

    [Fact]
    public async Task DebugLog_OneLinePerRequest_WithoutQueryValuesOrHeaders()
    {
        await _server.RequestAsync("GET", "/v1.50/containers/json?all=1&filters=%7B%22label%22%3A%5B%22secret-value%22%5D%7D",
            "X-Registry-Auth: c2VjcmV0LXRva2Vu\r\n");

        await WaitForAsync(() => Task.FromResult(_server.Logs.Lines.Any(l => l.EventId.Id == 1000)));
        var line = Assert.Single(_server.Logs.Lines, l => l.EventId.Id == 1000);
        Assert.Equal(LogLevel.Debug, line.Level);
        Assert.Contains("GET /v1.50/containers/json", line.Message);
        Assert.Contains("query=all,filters", line.Message);
        Assert.Contains("status=200", line.Message);
        Assert.Contains("action=container.list", line.Message);
        Assert.Contains("caller=anonymous", line.Message);
        Assert.Contains("duration=", line.Message);
        Assert.DoesNotContain("secret", line.Message);
        Assert.DoesNotContain("c2VjcmV0", line.Message);
    }

    [Fact]
    public async Task DebugLog_UnroutedRequest_StillLogged()
    {
        await _server.RequestAsync("GET", "/nope");

        await WaitForAsync(() => Task.FromResult(_server.Logs.Lines.Any(l => l.EventId.Id == 1000)));
        var line = Assert.Single(_server.Logs.Lines, l => l.EventId.Id == 1000);
        Assert.Contains("GET /nope", line.Message);
        Assert.Contains("status=404", line.Message);
        Assert.Contains("action=-", line.Message);
    }

    private static async Task WaitForAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("condition not met");
            await Task.Delay(20);
        }
    }
}
