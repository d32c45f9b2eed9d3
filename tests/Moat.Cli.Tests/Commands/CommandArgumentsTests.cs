using Moat.Cli.Commands;

namespace Moat.Cli.Tests.Commands;

public sealed class CommandArgumentsTests
{
    private static readonly Dictionary<string, string> Options = new() { ["--name"] = "name", ["-H"] = "host", ["--host"] = "host" };
    private static readonly Dictionary<string, string> Flags = new() { ["--print"] = "print" };

    [Fact]
    public void Parse_ValueForms_RepeatsFlagsAndPositionals()
    {
        var a = new CommandArguments(["alice", "--name", "a", "--name=b", "-H", "unix:///x", "--print", "--", "--name"], Options, Flags);

        Assert.Equal(["a", "b"], a.All("name"));
        Assert.Equal("unix:///x", a.Single("host"));
        Assert.True(a.Has("print"));
        Assert.Equal(["alice", "--name"], a.Positionals);
    }

    [Fact]
    public void Single_GivenTwice_Throws()
    {
        var a = new CommandArguments(["-H", "a", "--host", "b"], Options, Flags);
        Assert.Throws<UsageException>(() => a.Single("host"));
    }

    [Theory]
    [InlineData("--unknown")]
    [InlineData("--name")]
    [InlineData("--print=maybe")]
    public void Parse_Bad_Throws(string arg)
    {
        Assert.Throws<UsageException>(() => new CommandArguments([arg], Options, Flags));
    }
}
