using System.Buffers;
using System.Text;
using Moat.Api.Streaming;

namespace Moat.Api.Tests.Streaming;

public sealed class UpgradeBodyTests
{
    private const string Body = "{\"Detach\":false,\"Tty\":false}";

    private static string ExecStart(string extraHeaders = "Connection: Upgrade\r\nUpgrade: tcp\r\n") =>
        $"POST /v1.50/exec/abc/start HTTP/1.1\r\nHost: api.moby.localhost\r\n{extraHeaders}Content-Type: application/json\r\nContent-Length: {Body.Length}\r\n\r\n";

    private static UpgradeBody.Verdict Inspect(string text, out long headLength, out int contentLength, out string? rewritten)
    {
        var verdict = UpgradeBody.Inspect(new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes(text)), out headLength, out contentLength, out var bytes);
        rewritten = bytes is null ? null : Encoding.ASCII.GetString(bytes);
        return verdict;
    }

    [Fact]
    public void ExecStartWithUpgrade_BodyTakenAndLengthZeroed()
    {
        string head = ExecStart();
        Assert.Equal(UpgradeBody.Verdict.Rewrite, Inspect(head + Body + "stdin bytes", out long headLength, out int length, out var rewritten));
        Assert.Equal(head.Length, headLength);
        Assert.Equal(Body.Length, length);
        Assert.Equal(head.Replace($"Content-Length: {Body.Length}", "Content-Length: 0"), rewritten);
    }

    [Fact]
    public void ExecStartBodyIncomplete_NeedsMore()
    {
        Assert.Equal(UpgradeBody.Verdict.NeedMore, Inspect(ExecStart() + Body[..5], out _, out _, out _));
        Assert.Equal(UpgradeBody.Verdict.NeedMore, Inspect(ExecStart()[..30], out _, out _, out _));
        Assert.Equal(UpgradeBody.Verdict.NeedMore, Inspect("PO", out _, out _, out _));
    }

    [Theory]
    [InlineData("GET /_ping HTTP/1.1\r\nHost: x\r\n\r\n")]
    [InlineData("GE")]
    [InlineData("POST /v1.50/containers/abc/attach?stream=1 HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: tcp\r\nContent-Length: 0\r\n\r\n")]
    [InlineData("\u0016\u0003\u0001\u0002\u0000")]
    public void OtherRequests_PassedOn(string text) => Assert.Equal(UpgradeBody.Verdict.Pass, Inspect(text, out _, out _, out _));

    [Fact]
    public void ExecStartWithoutUpgrade_PassedOn() =>
        Assert.Equal(UpgradeBody.Verdict.Pass, Inspect(ExecStart(extraHeaders: "") + Body, out _, out _, out _));

    [Fact]
    public void ExecStartChunked_PassedOn() =>
        Assert.Equal(UpgradeBody.Verdict.Pass, Inspect(ExecStart("Connection: Upgrade\r\nUpgrade: tcp\r\nTransfer-Encoding: chunked\r\n") + Body, out _, out _, out _));

    [Fact]
    public void ExecStartDuplicateLength_PassedOn() =>
        Assert.Equal(UpgradeBody.Verdict.Pass, Inspect(ExecStart("Connection: Upgrade\r\nUpgrade: tcp\r\nContent-Length: 3\r\n") + Body, out _, out _, out _));
}
