using System.Text;
using Moat.Daemon.Configuration;

namespace Moat.Daemon.Tests.Configuration;

public sealed class GoJsonSyntaxTests
{
    [Theory]
    [InlineData("{\"a\": 1,}", 8, "invalid character '}' looking for beginning of object key string")]
    [InlineData("{\"a\" 1}", 5, "invalid character '1' after object key")]
    [InlineData("{\"a\": 1 \"b\": 2}", 8, "invalid character '\"' after object key:value pair")]
    [InlineData("{\"a\": [1 2]}", 9, "invalid character '2' after array element")]
    [InlineData("{\"a\": x}", 6, "invalid character 'x' looking for beginning of value")]
    [InlineData("{\"a\": tru}", 9, "invalid character '}' in literal true (expecting 'e')")]
    [InlineData("{\"a\": -x}", 7, "invalid character 'x' in numeric literal")]
    [InlineData("{\"a\": 1.}", 8, "invalid character '}' after decimal point in numeric literal")]
    [InlineData("{\"a\": 1e}", 8, "invalid character '}' in exponent of numeric literal")]
    [InlineData("{\"a\": \"\\x\"}", 8, "invalid character 'x' in string escape code")]
    [InlineData("{\"a\": \"\\u12g4\"}", 11, "invalid character 'g' in \\u hexadecimal character escape")]
    [InlineData("{\"a\": \"x\ty\"}", 8, "invalid character '\\t' in string literal")]
    [InlineData("{} {}", 3, "invalid character '{' after top-level value")]
    [InlineData("{'a': 1}", 1, "invalid character '\\'' looking for beginning of object key string")]
    [InlineData("{\"a\": 1", 7, "unexpected end of JSON input")]
    [InlineData("{\"a\": \"x", 8, "unexpected end of JSON input")]
    public void FindError_ReportsGoText(string json, int offset, string message)
    {
        Assert.Equal((offset, message), GoJsonSyntax.FindError(Encoding.UTF8.GetBytes(json)));
    }

    [Theory]
    [InlineData("{}")]
    [InlineData("{\"a\": [1, -2.5e+3, true, false, null, \"s\\u00e9\\n\"], \"b\": {\"c\": {}}}")]
    [InlineData(" [ ] ")]
    public void FindError_ValidJson_Null(string json)
    {
        Assert.Null(GoJsonSyntax.FindError(Encoding.UTF8.GetBytes(json)));
    }
}
