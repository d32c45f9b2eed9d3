using System.Text;
using Moat.Api.Json;
using Moat.Engine.Errors;

namespace Moat.Api.Tests.Json;

public sealed class RequestBodyParseTests
{
    private static TestCreateBody? Parse(string json) =>
        RequestBody.Parse(Encoding.UTF8.GetBytes(json), TestJsonContext.Default.TestCreateBody);

    private static string Refusal(string json) => Assert.Throws<InvalidArgumentException>(() => Parse(json)).Message;

    [Fact]
    public void Parse_Empty_ReturnsNull()
    {
        Assert.Null(Parse(""));
    }

    [Fact]
    public void Parse_JsonNull_ReturnsNull()
    {
        Assert.Null(Parse("null"));
    }

    [Theory]
    [InlineData(" ")]
    [InlineData("\n\r\t ")]
    public void Parse_WhitespaceOnly_IsDockerdEofError(string json)
    {
        Assert.Equal("invalid JSON: got EOF while reading request body", Refusal(json));
    }

    [Fact]
    public void Parse_KeysInAnyCase_DecodeLikeGo()
    {
        var body = Parse("""{"image":"busybox","TTY":true,"hostconfig":{"PRIVILEGED":true},"mounts":[{"source":"/a","TARGET":"/b"}]}""")!;

        Assert.Equal("busybox", body.Image);
        Assert.True(body.Tty);
        Assert.True(body.HostConfig!.Privileged);
        Assert.Equal("/a", body.Mounts![0].Source);
        Assert.Equal("/b", body.Mounts[0].Target);
    }

    [Fact]
    public void Parse_UnknownFields_AreIgnored()
    {
        var body = Parse("""{"Image":"a","NotAField":{"x":[1,2,{"y":null}]}}""")!;

        Assert.Equal("a", body.Image);
    }

    [Theory]
    [InlineData("""{"Image":"a","Image":"b"}""", "Image", "$")]
    [InlineData("""{"Image":"a","image":"b"}""", "image", "$")]
    [InlineData("""{"HostConfig":{"Privileged":false,"privileged":true}}""", "privileged", "$.HostConfig")]
    [InlineData("""{"HostConfig":{"Binds":[],"BINDS":["/:/host"]}}""", "BINDS", "$.HostConfig")]
    [InlineData("""{"Mounts":[{"Source":"/a"},{"Source":"/b","source":"/"}]}""", "source", "$.Mounts[1]")]
    [InlineData("""{"HostConfig":{"Named":{"x":{"Target":"/a","target":"/b"}}}}""", "target", "$.HostConfig.Named[\"x\"]")]
    [InlineData("""{"NotAField":{"deep":{"a":1,"A":2}}}""", "A", "$.NotAField.deep")]
    [InlineData("""{"Opaque":{"k":1,"K":2}}""", "K", "$.Opaque")]
    public void Parse_DuplicateOrCaseVariantKey_Refused(string json, string key, string path)
    {
        string message = Refusal(json);

        Assert.StartsWith($"invalid JSON: duplicate key \"{key}\" in {path}", message);
    }

    [Theory]
    [InlineData("Bind\u017F")] // ſ folds to s in Go (and upper-cases to S in .NET)
    [InlineData("bInDs")]
    public void Parse_KeysEqualUnderGoOrDotnetFolding_Refused(string variant)
    {
        string message = Refusal($$"""{"Binds":[],"{{variant}}":["/:/host"]}""");

        Assert.Contains("duplicate key", message);
    }

    [Fact]
    public void Parse_KelvinSignAndDotlessI_FoldLikeTheirAsciiLetters()
    {
        Assert.Contains("duplicate key", Refusal("{\"HostConfig\":{\"privileged\":false,\"pr\u0131vileged\":true}}"));
        Assert.Contains("duplicate key", Refusal("{\"Labels\":{},\"NotAField\":{\"k\":1,\"\u212A\":2}}"));
    }

    [Fact]
    public void Parse_MapKeysDifferingInCase_AreData()
    {
        var body = Parse("""{"Labels":{"com.example.a":"1","com.example.A":"2"}}""")!;

        Assert.Equal("1", body.Labels!["com.example.a"]);
        Assert.Equal("2", body.Labels["com.example.A"]);
    }

    [Fact]
    public void Parse_ExactDuplicateMapKey_Refused()
    {
        Assert.StartsWith("invalid JSON: duplicate key \"a\" in $.Labels", Refusal("""{"Labels":{"a":"1","a":"2"}}"""));
    }

    [Fact]
    public void Parse_SameKeyInDifferentObjects_Allowed()
    {
        var body = Parse("""{"Mounts":[{"Source":"/a"},{"Source":"/b"}],"HostConfig":{"Binds":["x"]},"Binds":["y"]}""")!;

        Assert.Equal(["/a", "/b"], body.Mounts!.Select(m => m.Source));
        Assert.Equal(["y"], body.Binds!);
    }

    [Theory]
    [InlineData("{} x")]
    [InlineData("{}{}")]
    [InlineData("{\"Image\":\"a\"} {\"Image\":\"b\"}")]
    [InlineData("{}]")]
    public void Parse_ContentAfterFirstValue_Refused(string json)
    {
        Assert.Equal("unexpected content after JSON", Refusal(json));
    }

    [Fact]
    public void Parse_TrailingWhitespace_Allowed()
    {
        Assert.Equal("a", Parse("{\"Image\":\"a\"}\n \r\n\t")!.Image);
    }

    [Theory]
    [InlineData("{")]
    [InlineData("{\"Image\":}")]
    [InlineData("{'Image':'a'}")]
    [InlineData("{\"Image\":\"a\",}")]
    [InlineData("{\"Tty\":\"yes\"}")]
    [InlineData("{\"Image\":\"a\" /* c */}")]
    [InlineData("[1,2]")]
    public void Parse_InvalidJsonOrWrongType_IsInvalidJson(string json)
    {
        Assert.StartsWith("invalid JSON: ", Refusal(json));
    }

    [Theory]
    [InlineData(new byte[] { (byte)'{', (byte)'"', 0xFF, (byte)'"', (byte)':', (byte)'1', (byte)'}' })]
    [InlineData(new byte[] { (byte)'{', (byte)'"', (byte)'I', (byte)'m', (byte)'a', (byte)'g', (byte)'e', (byte)'"', (byte)':', (byte)'"', 0xC3, (byte)'"', (byte)'}' })]
    public void Parse_InvalidUtf8_IsInvalidJson(byte[] body)
    {
        var e = Assert.Throws<InvalidArgumentException>(() => RequestBody.Parse(body, TestJsonContext.Default.TestCreateBody));
        Assert.StartsWith("invalid JSON: ", e.Message);
    }

    [Fact]
    public void Parse_EscapedKeys_CompareDecoded()
    {
        Assert.Contains("duplicate key", Refusal("""{"Image":"a","\u0049mage":"b"}"""));
    }

    [Fact]
    public void Parse_TooDeep_Refused()
    {
        string json = "{\"Opaque\":" + new string('[', 100) + new string(']', 100) + "}";

        Assert.StartsWith("invalid JSON: ", Refusal(json));
    }
}
