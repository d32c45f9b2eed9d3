using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Moat.Api.Json;
using Moat.Api.Tests.Infrastructure;

namespace Moat.Api.Tests.Json;

/// <summary>The reader on a real Kestrel: Content-Type rules, chunked bodies, limits on bytes actually read, lying Content-Length.</summary>
public sealed class RequestBodyHttpTests : IAsyncLifetime
{
    private const int Limit = 1024;
    private ApiServer _server = null!;

    public async ValueTask InitializeAsync()
    {
        _server = await ApiServer.StartAsync(routes =>
        {
            routes.MapPost("/test/body", "test.body", async r =>
            {
                var body = await RequestBody.ReadJsonAsync(r, TestJsonContext.Default.TestCreateBody, Limit);
                await r.Http.Response.WriteAsync(body is null ? "null" : $"{body.Image}|{body.HostConfig?.Privileged}", r.Aborted);
            });
            routes.MapPost("/test/required", "test.required", async r =>
            {
                var body = await RequestBody.ReadRequiredJsonAsync(r, TestJsonContext.Default.TestCreateBody);
                await r.Http.Response.WriteAsync(body.Image ?? "", r.Aborted);
            });
        });
    }

    public async ValueTask DisposeAsync() => await _server.DisposeAsync();

    private static string Message(RawResponse response) =>
        JsonDocument.Parse(response.Body).RootElement.GetProperty("message").GetString()!;

    private Task<RawResponse> PostAsync(string path, string body, string? contentType = "application/json") =>
        _server.RequestAsync("POST", path, contentType is null ? "" : $"Content-Type: {contentType}\r\n", body);

    private static string Chunked(string path, string contentType, params string[] chunks)
    {
        var sb = new StringBuilder($"POST {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n");
        if (contentType.Length > 0) sb.Append($"Content-Type: {contentType}\r\n");
        sb.Append("\r\n");
        foreach (var chunk in chunks) sb.Append($"{Encoding.UTF8.GetByteCount(chunk):x}\r\n{chunk}\r\n");
        return sb.Append("0\r\n\r\n").ToString();
    }

    [Theory]
    [InlineData("application/json")]
    [InlineData("application/json; charset=utf-8")]
    [InlineData("Application/JSON")]
    public async Task Post_JsonContentType_Decodes(string contentType)
    {
        var response = await PostAsync("/test/body", """{"image":"busybox","HostConfig":{"privileged":true}}""", contentType);

        Assert.Equal(200, response.Status);
        Assert.Equal("busybox|True", response.Body);
    }

    [Fact]
    public async Task Post_BodyWithoutContentType_Refused()
    {
        var response = await PostAsync("/test/body", """{"Image":"busybox"}""", contentType: null);

        Assert.Equal(400, response.Status);
        Assert.Equal("unsupported Content-Type header (): must be 'application/json'", Message(response));
    }

    [Theory]
    [InlineData("text/plain", "{}")]
    [InlineData("text/plain", "")]
    [InlineData("application/x-tar", "{}")]
    public async Task Post_OtherContentType_RefusedWithDockerdText(string contentType, string body)
    {
        var response = await PostAsync("/test/body", body, contentType);

        Assert.Equal(400, response.Status);
        Assert.Equal($"unsupported Content-Type header ({contentType}): must be 'application/json'", Message(response));
    }

    [Fact]
    public async Task Post_MalformedContentType_Refused()
    {
        var response = await PostAsync("/test/body", "{}", "application/json; =");

        Assert.Equal(400, response.Status);
        Assert.Equal("malformed Content-Type header (application/json; =)", Message(response));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("application/json")]
    public async Task Post_EmptyBody_IsNull(string? contentType)
    {
        var response = await PostAsync("/test/body", "", contentType);

        Assert.Equal(200, response.Status);
        Assert.Equal("null", response.Body);
    }

    [Fact]
    public async Task Post_EmptyBodyWhereRequired_IsEofError()
    {
        var response = await PostAsync("/test/required", "");

        Assert.Equal(400, response.Status);
        Assert.Equal("invalid JSON: got EOF while reading request body", Message(response));
    }

    [Fact]
    public async Task Post_ChunkedBody_IsReadCompletely()
    {
        var response = await _server.RawAsync(Chunked("/test/body", "application/json", """{"Image":""", "\"busybox\",\"HostConfig\":", """{"Privileged":true}}"""));

        Assert.Equal(200, response.Status);
        Assert.Equal("busybox|True", response.Body);
    }

    [Fact]
    public async Task Post_ChunkedBodyWithoutContentType_Refused()
    {
        var response = await _server.RawAsync(Chunked("/test/body", "", """{"Image":"busybox"}"""));

        Assert.Equal(400, response.Status);
        Assert.Equal("unsupported Content-Type header (): must be 'application/json'", Message(response));
    }

    [Fact]
    public async Task Post_EmptyChunkedBody_IsNullLikeContentLengthZero()
    {
        var response = await _server.RawAsync(Chunked("/test/body", "application/json"));

        Assert.Equal(200, response.Status);
        Assert.Equal("null", response.Body);
    }

    [Fact]
    public async Task Post_ChunkedBodyOverLimit_Refused()
    {
        string padding = new(' ', 600);
        var response = await _server.RawAsync(Chunked("/test/body", "application/json", "{\"Image\":\"a\"" + padding, padding + ",\"HostConfig\":{\"Privileged\":true}}"));

        Assert.Equal(400, response.Status);
        Assert.Equal($"request body is too large: the limit for JSON bodies is {Limit} bytes", Message(response));
    }

    [Fact]
    public async Task Post_DeclaredLengthOverLimit_RefusedBeforeReading()
    {
        var response = await _server.RawAsync($"POST /test/body HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {Limit + 1}\r\n\r\n{{");

        Assert.Equal(400, response.Status);
        Assert.Equal($"request body is too large: the limit for JSON bodies is {Limit} bytes", Message(response));
    }

    [Fact]
    public async Task Post_DefaultLimit_Is4MiB()
    {
        var response = await _server.RawAsync($"POST /test/required HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {RequestBody.MaxJsonBytes + 1}\r\n\r\n{{");

        Assert.Equal(400, response.Status);
        Assert.Equal($"request body is too large: the limit for JSON bodies is {RequestBody.MaxJsonBytes} bytes", Message(response));
    }

    [Fact]
    public async Task Post_ContentLengthShorterThanBody_OnlyDeclaredBytesAreTheBody()
    {
        // Content-Length 13 covers {"Image":"a"}; the privileged part is not this request's body.
        string body = """{"Image":"a"}{"HostConfig":{"Privileged":true}}""";
        var response = await _server.RawAsync($"POST /test/body HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: 13\r\n\r\n{body}");

        Assert.Equal(200, response.Status);
        Assert.Equal("a|", response.Body);
    }

    [Fact]
    public async Task Post_ContentLengthLongerThanBody_ClientHangsUp_NothingRunsNoErrorLogged()
    {
        var request = Encoding.ASCII.GetBytes("POST /test/body HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{\"Image\":\"a\"}");

        var response = await _server.RawAsync(request, closeSend: true);

        // Kestrel sees the body end early: either a 400 or, as the client is gone, no answer; never a decoded body or a 500.
        Assert.True(response.Status is 0 or 400, response.ToString());
        Assert.DoesNotContain("a|", response.Body);
        Assert.DoesNotContain(_server.Logs.Lines, l => l.Level >= Microsoft.Extensions.Logging.LogLevel.Error);
    }

    [Fact]
    public async Task Post_CaseVariantKeys_RefusedOverHttp()
    {
        var response = await PostAsync("/test/body", """{"Image":"a","HostConfig":{"Privileged":false,"privileged":true}}""");

        Assert.Equal(400, response.Status);
        Assert.StartsWith("invalid JSON: duplicate key \"privileged\" in $.HostConfig", Message(response));
    }

    [Fact]
    public async Task Post_TrailingContent_Refused()
    {
        var response = await PostAsync("/test/body", """{"Image":"a"} {"Image":"b"}""");

        Assert.Equal(400, response.Status);
        Assert.Equal("unexpected content after JSON", Message(response));
    }
}
