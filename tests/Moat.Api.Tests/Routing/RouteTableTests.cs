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
    public void Match_MethodsMatchExactly_HeadDoesNotFallBackToGet()
    {
        var table = new RouteTable();
        table.MapGet("/containers/{id}/json", "container.inspect", Nop);
        table.MapHead("/containers/{id}/archive", "container.archive.stat", Nop);

        Assert.Equal("container.inspect", table.Match("GET", "/containers/abc/json", out var values)?.Action);
        Assert.Equal("abc", values["id"]);
        Assert.Null(table.Match("HEAD", "/containers/abc/json", out _));
        Assert.Equal("container.archive.stat", table.Match("HEAD", "/containers/abc/archive", out _)?.Action);
        Assert.Null(table.Match("GET", "/containers/abc/archive", out _));
        Assert.Null(table.Match("POST", "/containers/abc/json", out _));
    }

    [Theory]
    [InlineData("/containers/abc/json/extra")]
    [InlineData("/containers/abc/json/")]
    [InlineData("/containers//json")]
    [InlineData("/containers/json")]
    public void Match_WrongShapeOrTrailingSlash_NoRoute(string path)
    {
        var table = new RouteTable();
        table.MapGet("/containers/{id}/json", "container.inspect", Nop);

        Assert.Null(table.Match("GET", path, out _));
    }

    [Theory]
    [InlineData("/images//json")]
    [InlineData("/images/json")]
    [InlineData("/images/a/json/")]
    public void Match_GreedyParameter_NeedsNonEmptySegments(string path)
    {
        var table = new RouteTable();
        table.MapGet("/images/{name*}/json", "image.inspect", Nop);

        Assert.Null(table.Match("GET", path, out _));
    }
}
