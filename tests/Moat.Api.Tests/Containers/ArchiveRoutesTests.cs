using Moat.Engine.Containers;

namespace Moat.Api.Tests.Containers;

/// <summary>/containers/{id}/archive status and error cases (the file-system work is tested in the engine and compat tests).</summary>
public sealed class ArchiveRoutesTests : IDisposable
{
    private readonly ApiHarness _api = new();

    public void Dispose() => _api.Dispose();

    [Theory]
    [InlineData("GET")]
    [InlineData("PUT")]
    public async Task Archive_NoPath_Returns400BeforeTheContainerLookup(string method)
    {
        var (status, body, _) = await _api.SendAsync(method, "/v1.50/containers/missing/archive");
        Assert.Equal(400, status);
        Assert.Equal("Path cannot be empty", ApiHarness.Message(body));
        (status, body, _) = await _api.SendAsync(method, "/v1.50/containers/missing/archive?path=");
        Assert.Equal(400, status);
    }

    [Theory]
    [InlineData("GET")]
    [InlineData("PUT")]
    [InlineData("HEAD")]
    public async Task Archive_MissingContainer_Returns404(string method)
    {
        var (status, body, _) = await _api.SendAsync(method, "/v1.50/containers/missing/archive?path=/etc");
        Assert.Equal(404, status);
        if (method != "HEAD") Assert.Equal("No such container: missing", ApiHarness.Message(body));
    }

    [Fact]
    public async Task Archive_NoFileSystem_Returns409()
    {
        _api.AddContainer("nofs", ContainerStatus.Created);
        var (status, body, _) = await _api.SendAsync("GET", "/v1.50/containers/nofs/archive?path=/etc");
        Assert.Equal(409, status);
        Assert.Contains("its filesystem is not available", ApiHarness.Message(body));
    }

    [Fact]
    public async Task Archive_PostIsNotARoute()
    {
        _api.AddContainer("post", ContainerStatus.Created);
        var (status, _, _) = await _api.SendAsync("POST", "/v1.50/containers/post/archive?path=/etc");
        Assert.Equal(404, status);
    }
}
