using Moat.Api.Routing;
using Moat.Api.Versioning;

namespace Moat.Api.Tests.Routing;

public sealed class VersionTextTests
{
    [Theory]
    [InlineData("1.24", "1.24", 0)]
    [InlineData("1.9", "1.24", -1)]
    [InlineData("1.50", "1.051", -1)]
    [InlineData("1.050", "1.50", 0)]
    [InlineData("1", "1.24", -1)]
    [InlineData("1.51.1", "1.51", 1)]
    [InlineData("2.0", "1.51", 1)]
    [InlineData("..", "1.24", -1)]
    [InlineData("1.99999999999999999999", "1.24", -1)]
    public void Compare_AsDockerdVersions(string a, string b, int expected)
    {
        Assert.Equal(expected, Math.Sign(VersionText.Compare(a, b)));
        Assert.Equal(-expected, Math.Sign(VersionText.Compare(b, a)));
    }

    [Theory]
    [InlineData("1.50", 1, 50)]
    [InlineData("1.050", 1, 50)]
    [InlineData("1.50.7", 1, 50)]
    [InlineData("1", 1, 0)]
    public void ToApiVersion_KeepsMajorAndMinor(string text, int major, int minor)
    {
        Assert.Equal(new ApiVersion(major, minor), VersionText.ToApiVersion(text));
    }
}
