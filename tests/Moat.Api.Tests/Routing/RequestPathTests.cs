using Moat.Api.Routing;

namespace Moat.Api.Tests.Routing;

public sealed class RequestPathTests
{
    [Theory]
    [InlineData("/containers/json", "/containers/json")]
    [InlineData("/%63ontainers%2Fjson", "/containers/json")]
    [InlineData("/images/a%2Fb%3A1/json", "/images/a/b:1/json")]
    [InlineData("/containers/%C3%A9t%C3%A9/json", "/containers/été/json")]
    [InlineData("/a+b", "/a+b")]
    public void TryDecode_ValidEscapes_Decodes(string raw, string expected)
    {
        Assert.True(RequestPath.TryDecode(raw, out var path));
        Assert.Equal(expected, path);
    }

    [Theory]
    [InlineData("/containers/%zz")]
    [InlineData("/containers/%4")]
    [InlineData("/containers/%")]
    [InlineData("/a%00b")]
    [InlineData("/a%7Fb")]
    [InlineData("/a%0D%0Ab")]
    [InlineData("/%C3")]
    [InlineData("/%ff")]
    public void TryDecode_BadEscapeOrControlOrBadUtf8_Fails(string raw)
    {
        Assert.False(RequestPath.TryDecode(raw, out _));
    }

    [Theory]
    [InlineData("/containers/json?all=1", "/containers/json")]
    [InlineData("/containers/json?x=/../images", "/containers/json")]
    [InlineData("/containers/json#frag", "/containers/json")]
    [InlineData("http://host/_ping?x", "/_ping")]
    [InlineData("HTTPS://host:1/a/b", "/a/b")]
    [InlineData("http://host", "/")]
    public void StripToPath_RemovesQueryAndAuthority(string raw, string expected)
    {
        Assert.Equal(expected, RequestPath.StripToPath(raw));
    }

    [Theory]
    [InlineData("", "/")]
    [InlineData("/", "/")]
    [InlineData("containers/json", "/containers/json")]
    [InlineData("//containers//json", "/containers/json")]
    [InlineData("/containers/./json", "/containers/json")]
    [InlineData("/images/../containers/json", "/containers/json")]
    [InlineData("/../../containers/json", "/containers/json")]
    [InlineData("/containers/json/", "/containers/json/")]
    [InlineData("/containers/json//", "/containers/json/")]
    [InlineData("/containers/..", "/")]
    [InlineData("/containers/../", "/")]
    [InlineData("/a/b/./", "/a/b/")]
    public void Clean_AsGorillaCleanPath(string raw, string expected)
    {
        Assert.Equal(expected, RequestPath.Clean(raw));
    }

    [Theory]
    [InlineData("/v1.50/containers/json", "1.50", "/containers/json")]
    [InlineData("/v1/_ping", "1", "/_ping")]
    [InlineData("/v../_ping", "..", "/_ping")]
    [InlineData("/v1.2.3/x", "1.2.3", "/x")]
    [InlineData("/v1.50/", "1.50", "/")]
    public void TrySplitVersion_DigitsAndDots_Splits(string path, string version, string rest)
    {
        Assert.True(RequestPath.TrySplitVersion(path, out var v, out var r));
        Assert.Equal(version, v);
        Assert.Equal(rest, r);
    }

    [Theory]
    [InlineData("/v1.50")]
    [InlineData("/v/_ping")]
    [InlineData("/vx/_ping")]
    [InlineData("/v1a/_ping")]
    [InlineData("/version")]
    [InlineData("/_ping")]
    public void TrySplitVersion_NoVersionPrefix_DoesNotSplit(string path)
    {
        Assert.False(RequestPath.TrySplitVersion(path, out _, out var rest));
        Assert.Equal(path, rest);
    }

    [Theory]
    [InlineData("/containers/json", "/containers/json")]
    [InlineData("/images/a b/json", "/images/a%20b/json")]
    [InlineData("/images/a?b#c/json", "/images/a%3Fb%23c/json")]
    [InlineData("/images/été", "/images/%C3%A9t%C3%A9")]
    [InlineData("/images/localhost:5000/a", "/images/localhost:5000/a")]
    public void Escape_OnlyWhatAPathCannotHold(string path, string expected)
    {
        Assert.Equal(expected, RequestPath.Escape(path));
    }
}
