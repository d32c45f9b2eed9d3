using System.Text.Json;
using Moat.Daemon.Configuration;

namespace Moat.Daemon.Tests.Configuration;

public sealed class GoFormatTests
{
    [Theory]
    [InlineData("abc", "\"abc\"")]
    [InlineData("a\"b\\c", "\"a\\\"b\\\\c\"")]
    [InlineData("tab\there\n", "\"tab\\there\\n\"")]
    [InlineData("\u0001", "\"\\x01\"")]
    [InlineData("é", "\"é\"")]
    public void Quote_LikeStrconv(string value, string expected)
    {
        Assert.Equal(expected, GoFormat.Quote(value));
    }

    [Theory]
    [InlineData("64000", "64000")]
    [InlineData("100000", "100000")]
    [InlineData("1000000", "1e+06")]
    [InlineData("1234567", "1.234567e+06")]
    [InlineData("1.5", "1.5")]
    [InlineData("-2", "-2")]
    [InlineData("0.0001", "0.0001")]
    [InlineData("0.00001", "1e-05")]
    [InlineData("\"s\"", "s")]
    [InlineData("true", "true")]
    [InlineData("null", "<nil>")]
    [InlineData("[\"a\", 1, false]", "[a 1 false]")]
    [InlineData("{\"b\": 1, \"a\": {\"y\": \"z\"}}", "map[a:map[y:z] b:1]")]
    public void Value_LikeGoPercentV(string json, string expected)
    {
        using var doc = JsonDocument.Parse(json);

        Assert.Equal(expected, GoFormat.Value(doc.RootElement));
    }
}
