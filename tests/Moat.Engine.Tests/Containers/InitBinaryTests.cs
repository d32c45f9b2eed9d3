using Moat.Engine.Containers;

namespace Moat.Engine.Tests.Containers;

public sealed class InitBinaryTests
{
    [Theory]
    [InlineData("tini version 0.19.0 - git.de40ad0\n", "de40ad0")]
    [InlineData("tini version 0.19.0\n", "N/A")]
    [InlineData("", "N/A")]
    public void ParseCommit(string output, string commit) => Assert.Equal(commit, InitBinary.ParseCommit(output));

    [Fact]
    public void Default_IsDockerInitInPathOrDebiansTiniStatic()
    {
        var init = new InitBinary(null);
        Assert.Equal("docker-init", init.Name);
        Assert.True(File.Exists(init.Require()));
    }

    [Fact]
    public void Configured_MissingPath_HasDockerdsError()
    {
        var init = new InitBinary("/no/such/init");
        Assert.Equal("/no/such/init", init.Name);
        Assert.Null(init.Resolve());
        var e = Assert.Throws<Moat.Engine.Errors.InvalidArgumentException>(init.Require);
        Assert.Contains("executable file not found", e.Message);
    }
}
