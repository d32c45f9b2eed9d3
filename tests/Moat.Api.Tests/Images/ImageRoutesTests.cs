using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Moat.Api.Images;
using Moat.Api.Routing;
using Moat.Api.Security;
using Moat.Engine.Errors;
using Moat.Engine.Events;
using Moat.Engine.Images;
using Moat.Engine.Storage;

namespace Moat.Api.Tests.Images;

/// <summary>The image endpoints through the real pipeline and a real (temp-dir) ImageService: statuses and error bodies.</summary>
public sealed class ImageRoutesTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("moat-api-images-").FullName;
    private readonly ServiceProvider _services;
    private readonly ApiPipeline _pipeline;

    public ImageRoutesTests()
    {
        var routes = new RouteTable();
        ImageRoutes.Map(routes);
        var images = new ImageService(_dir, new VfsLayerStore(Path.Combine(_dir, "vfs")), new EventBus(TimeProvider.System), TimeProvider.System);
        _services = new ServiceCollection().AddSingleton(images).BuildServiceProvider();
        _pipeline = new ApiPipeline(routes, new AllowAllAuthorizer(), NullLogger<ApiPipeline>.Instance, new ServerIdentity("test", "test"));
    }

    public void Dispose()
    {
        _services.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    private async Task<(int Status, string Body, string? ContentType)> SendAsync(string method, string pathAndQuery, byte[]? body = null)
    {
        var http = new DefaultHttpContext { RequestServices = _services };
        int q = pathAndQuery.IndexOf('?');
        http.Request.Method = method;
        http.Request.Path = q < 0 ? pathAndQuery : pathAndQuery[..q];
        http.Request.QueryString = q < 0 ? QueryString.Empty : new QueryString(pathAndQuery[q..]);
        http.Request.Body = new MemoryStream(body ?? []);
        http.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpRequestFeature>()!.RawTarget = pathAndQuery;
        var response = new MemoryStream();
        http.Response.Body = response;
        await _pipeline.InvokeAsync(http);
        return (http.Response.StatusCode, Encoding.UTF8.GetString(response.ToArray()), http.Response.ContentType);
    }

    private static string Message(string body) => JsonDocument.Parse(body).RootElement.GetProperty("message").GetString()!;

    [Theory]
    [InlineData("GET", "/v1.50/images/nope/json", 404, "No such image: nope:latest")]
    [InlineData("GET", "/v1.50/images/nope/history", 404, "No such image: nope:latest")]
    [InlineData("DELETE", "/v1.50/images/nope", 404, "No such image: nope:latest")]
    [InlineData("POST", "/v1.50/images/nope/tag?repo=x&tag=1", 404, "No such image: nope:latest")]
    [InlineData("GET", "/v1.50/images/get?names=nope", 404, "No such image: nope:latest")]
    [InlineData("GET", "/v1.50/images/Nope/json", 400, "invalid reference format: repository name (library/Nope) must be lowercase")]
    [InlineData("POST", "/v1.50/images/nope/tag", 400, "repository name must have at least one component")]
    [InlineData("POST", "/v1.50/images/create", 400, "fromImage or fromSrc must be set")]
    [InlineData("POST", "/v1.50/images/create?fromImage=UPPER", 400, "invalid reference format: repository name (library/UPPER) must be lowercase")]
    [InlineData("GET", "/v1.50/images/json?filters=%7B%22nope%22%3A%7B%22x%22%3Atrue%7D%7D", 400, "invalid filter 'nope'")]
    [InlineData("GET", "/v1.50/images/json?filters=%7Bbad", 400, null)]
    [InlineData("POST", "/v1.50/images/prune?filters=%7B%22reference%22%3A%5B%22x%22%5D%7D", 400, "invalid filter 'reference'")]
    public async Task Endpoint_BadRequest_DockerStatusAndMessage(string method, string path, int status, string? message)
    {
        var (actual, body, _) = await SendAsync(method, path);

        Assert.Equal(status, actual);
        if (message is not null) Assert.Equal(message, Message(body));
    }

    [Fact]
    public async Task Pull_NoRegistryAccess_503WithRegistryUrl()
    {
        var (status, body, _) = await SendAsync("POST", "/v1.50/images/create?fromImage=busybox&tag=latest");

        Assert.Equal(503, status);
        Assert.StartsWith("Get \"https://registry-1.docker.io/v2/\"", Message(body));
    }

    [Fact]
    public async Task Import_FromUrl_Refused501()
    {
        var (status, _, _) = await SendAsync("POST", "/v1.50/images/create?fromSrc=http://example.com/x.tar");

        Assert.Equal(501, status);
    }

    [Fact]
    public async Task Load_Garbage_200WithErrorInTheStream()
    {
        var (status, body, contentType) = await SendAsync("POST", "/v1.50/images/load?quiet=1", Encoding.ASCII.GetBytes(new string('x', 2048)));

        Assert.Equal(200, status);
        Assert.Equal("application/json", contentType);
        var line = JsonDocument.Parse(body.Trim()).RootElement;
        Assert.Contains("checksum", line.GetProperty("error").GetString());
        Assert.Equal(line.GetProperty("error").GetString(), line.GetProperty("errorDetail").GetProperty("message").GetString());
    }

    [Fact]
    public async Task ImportThenList_ShapesOfDockerd()
    {
        byte[] tar = new byte[1024]; // an empty tar: just the end blocks
        var (status, body, _) = await SendAsync("POST", "/v1.50/images/create?fromSrc=-&repo=empty&tag=1&changes=CMD%20%5B%22sh%22%5D", tar);
        Assert.Equal(200, status);
        string id = JsonDocument.Parse(body.Trim()).RootElement.GetProperty("status").GetString()!;
        Assert.StartsWith("sha256:", id);

        var (listStatus, list, _) = await SendAsync("GET", "/v1.50/images/json");

        Assert.Equal(200, listStatus);
        var summary = Assert.Single(JsonDocument.Parse(list).RootElement.EnumerateArray());
        Assert.Equal(id, summary.GetProperty("Id").GetString());
        Assert.Equal(["empty:1"], summary.GetProperty("RepoTags").EnumerateArray().Select(t => t.GetString()));
        Assert.Equal(-1, summary.GetProperty("Containers").GetInt32());
        Assert.Equal(-1, summary.GetProperty("SharedSize").GetInt64());
        Assert.Equal(JsonValueKind.Array, summary.GetProperty("RepoDigests").ValueKind);

        var (delStatus, deleted, _) = await SendAsync("DELETE", "/v1.50/images/empty:1");
        Assert.Equal(200, delStatus);
        var records = JsonDocument.Parse(deleted).RootElement.EnumerateArray().ToList();
        Assert.Equal("empty:1", records[0].GetProperty("Untagged").GetString());
        Assert.Equal(id, records[1].GetProperty("Deleted").GetString());
        Assert.False(records[0].TryGetProperty("Deleted", out _));
    }

    [Fact]
    public void ParseFilters_BothWireFormats()
    {
        var modern = ImageRoutes.ParseFilters("{\"label\":{\"a=b\":true,\"c\":true},\"dangling\":{\"true\":true}}");
        var legacy = ImageRoutes.ParseFilters("{\"label\":[\"a=b\",\"c\"],\"dangling\":[\"true\"]}");

        Assert.Equal(["a=b", "c"], modern.Get("label"));
        Assert.Equal(modern.Get("label"), legacy.Get("label"));
        Assert.True(legacy.Dangling());
        Assert.Throws<InvalidArgumentException>(() => ImageRoutes.ParseFilters("[1]"));
    }
}
