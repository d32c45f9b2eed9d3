using Moat.Api.Routing;

namespace Moat.Api.Tests.Routing;

public sealed class RouteTableTests
{
    private static readonly ApiHandler Nop = _ => Task.CompletedTask;

    [Theory]
    [InlineData("/images/busybox/json", "busybox")]
    [InlineData("/images/library/busybox:latest/json", "library/busybox:latest")]
    [InlineData("/images/localhost:5000/a/b:1/json", "localhost:5000/a/b:1")]
    public void Match_GreedyImageName_CapturesSlashes(string path, string expected)
    {
        var table = new RouteTable();
        table.MapGet("/images/{name*}/json", "image.inspect", Nop);

        var route = table.Match("GET", path, out var values);

        Assert.NotNull(route);
        Assert.Equal(expected, values["name"]);
    }

    [Fact]
    public void Match_HeadWithoutHeadRoute_FallsBackToGet()
    {
        var table = new RouteTable();
        table.MapGet("/containers/{id}/json", "container.inspect", Nop);

        Assert.Equal("container.inspect", table.Match("HEAD", "/containers/abc/json", out _)?.Action);
        Assert.Null(table.Match("POST", "/containers/abc/json", out _));
        Assert.Null(table.Match("GET", "/containers/abc/json/extra", out _));
    }

    [Theory]
    [InlineData("//containers//json", "/containers/json")]
    [InlineData("/containers/./json", "/containers/json")]
    [InlineData("/images/../containers/json", "/containers/json")]
    [InlineData("/../../containers/json", "/containers/json")]
    public void Clean_ResolvesDotsAndDoubleSlashes(string raw, string expected)
    {
        Assert.Equal(expected, RequestPath.Clean(raw));
    }
}
