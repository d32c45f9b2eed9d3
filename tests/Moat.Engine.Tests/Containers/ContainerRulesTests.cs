using Moat.Engine.Containers;
using Moat.Engine.Errors;

namespace Moat.Engine.Tests.Containers;

public sealed class ContainerRulesTests
{
    [Theory]
    [InlineData("SIGTERM", 15)]
    [InlineData("TERM", 15)]
    [InlineData("kill", 9)]
    [InlineData("9", 9)]
    [InlineData("SIGRTMIN+3", 37)]
    public void Signals_Parse_AcceptsDockerSpellings(string text, int expected) => Assert.Equal(expected, Signals.Parse(text));

    [Theory]
    [InlineData("SIGNOPE")]
    [InlineData("0")]
    [InlineData("65")]
    public void Signals_Parse_Invalid_ThrowsDockerdMessage(string text)
    {
        var e = Assert.Throws<InvalidArgumentException>(() => Signals.Parse(text));
        Assert.Equal($"Invalid signal: {text}", e.Message);
    }

    [Theory]
    [InlineData("web", "/web")]
    [InlineData("/web_1.a-b", "/web_1.a-b")]
    public void Names_Validate_Accepts(string name, string stored) => Assert.Equal(stored, ContainerNames.Validate(name));

    [Theory]
    [InlineData("a")]
    [InlineData("bad name")]
    [InlineData("-x")]
    public void Names_Validate_Rejects(string name)
    {
        var e = Assert.Throws<InvalidArgumentException>(() => ContainerNames.Validate(name));
        Assert.Equal($"Invalid container name ({name}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed", e.Message);
    }

    [Theory]
    [InlineData(0.5, "Less than a second")]
    [InlineData(1, "1 second")]
    [InlineData(42, "42 seconds")]
    [InlineData(61, "About a minute")]
    [InlineData(600, "10 minutes")]
    [InlineData(3600, "About an hour")]
    [InlineData(7200, "2 hours")]
    [InlineData(3 * 86400, "3 days")]
    public void HumanDuration_MatchesGoUnits(double seconds, string expected) =>
        Assert.Equal(expected, ContainerService.HumanDuration(TimeSpan.FromSeconds(seconds)));

    [Theory]
    [InlineData("no-new-privileges", true)]
    [InlineData("no-new-privileges:false", false)]
    [InlineData("no-new-privileges=true", true)]
    public void SecurityOpt_NoNewPrivileges(string opt, bool expected) =>
        Assert.Equal(expected, ContainerService.ParseSecurityOpt(opt).NoNewPrivileges);

    [Fact]
    public void SecurityOpt_Unknown_ThrowsInvalidArgument() =>
        Assert.Throws<InvalidArgumentException>(() => ContainerService.ParseSecurityOpt("bogus=1"));

    [Fact]
    public void WaitCondition_Invalid_ThrowsDockerdMessage()
    {
        var e = Assert.Throws<InvalidArgumentException>(() => ContainerService.ParseWaitCondition("later"));
        Assert.Equal("invalid condition: \"later\"", e.Message);
    }
}
