using Moat.Engine.Errors;
using Moat.Engine.Events;

namespace Moat.Engine.Tests.Events;

public sealed class FilterArgsTests
{
    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("{}")]
    public void FromJson_EmptyOrAbsent_NoFilter(string? json)
    {
        Assert.Equal(0, FilterArgs.FromJson(json).Count);
    }

    [Fact]
    public void FromJson_MapForm_ReadsTrueValues()
    {
        var args = FilterArgs.FromJson("""{"type":{"container":true,"image":false},"label":{"a=b":true}}""");

        Assert.Equal(["container"], args.Get("type"));
        Assert.Equal(["a=b"], args.Get("label"));
        Assert.True(args.Contains("type"));
    }

    [Fact]
    public void FromJson_LegacyListForm_Accepted()
    {
        var args = FilterArgs.FromJson("""{"type":["container","image"]}""");

        Assert.Equal(["container", "image"], args.Get("type").Order());
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("[]")]
    [InlineData("\"type\"")]
    [InlineData("""{"type":"container"}""")]
    [InlineData("""{"type":{"container":"yes"}}""")]
    [InlineData("""{"type":[1]}""")]
    [InlineData("""{"type":["a"],"type":["b"]}""")]
    [InlineData("""{"type":["a"]} x""")]
    [InlineData("""{"a":{"b":{"c":{"d":{"e":1}}}}}""")]
    public void FromJson_NotAFilterMap_IsInvalidFilter(string json)
    {
        var e = Assert.Throws<InvalidArgumentException>(() => FilterArgs.FromJson(json));
        Assert.Equal("invalid filter", e.Message);
    }

    [Fact]
    public void FromJson_Oversized_IsInvalidFilter()
    {
        string json = "{\"label\":[\"" + new string('a', FilterArgs.MaxJsonLength) + "\"]}";

        Assert.Throws<InvalidArgumentException>(() => FilterArgs.FromJson(json));
    }

    [Fact]
    public void Validate_UnknownKey_InvalidFilterWithName()
    {
        var args = FilterArgs.FromJson("""{"bogus":["x"]}""");

        var e = Assert.Throws<InvalidArgumentException>(() => args.Validate("type", "label"));
        Assert.Equal("invalid filter 'bogus'", e.Message);
    }

    [Fact]
    public void Matchers_FollowMobySemantics()
    {
        var args = FilterArgs.Create(("name", "web"), ("label", "a"), ("label", "b=2"));

        Assert.True(args.ExactMatch("absent", "anything"));
        Assert.True(args.ExactMatch("name", "web"));
        Assert.False(args.ExactMatch("name", "webserver"));
        Assert.True(args.FuzzyMatch("name", "webserver"));
        Assert.False(args.FuzzyMatch("name", "db"));
        Assert.True(args.MatchKVList("label", new Dictionary<string, string> { ["a"] = "x", ["b"] = "2" }));
        Assert.False(args.MatchKVList("label", new Dictionary<string, string> { ["a"] = "x", ["b"] = "3" }));
        Assert.False(args.MatchKVList("label", new Dictionary<string, string>()));
        Assert.True(args.MatchKVList("absent", new Dictionary<string, string>()));
    }
}
