using System.Buffers;
using Moat.Api.Streaming;

namespace Moat.Api.Tests.Streaming;

public sealed class OutputFilterTests
{
    private static byte[] Frame(byte stream, string text)
    {
        var payload = System.Text.Encoding.ASCII.GetBytes(text);
        var frame = new byte[8 + payload.Length];
        frame[0] = stream;
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(4), (uint)payload.Length);
        payload.CopyTo(frame, 8);
        return frame;
    }

    private static byte[] Feed(OutputFilter filter, byte[] input, int chunk)
    {
        var output = new ArrayBufferWriter<byte>();
        for (int i = 0; i < input.Length; i += chunk)
            filter.Process(input.AsSpan(i, Math.Min(chunk, input.Length - i)), output);
        return output.WrittenSpan.ToArray();
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(8)]
    [InlineData(1000)]
    public void Framed_OnlyStderrToRaw_StripsHeadersAndStdout(int chunk)
    {
        byte[] input = [.. Frame(1, "out1"), .. Frame(2, "err1"), .. Frame(1, "out2"), .. Frame(2, "err2")];
        var filter = new OutputFilter(monitorFramed: true, clientFramed: false, stdout: false, stderr: true);
        Assert.False(filter.PassThrough);
        Assert.Equal("err1err2", System.Text.Encoding.ASCII.GetString(Feed(filter, input, chunk)));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(5)]
    public void Framed_OnlyStdoutToFramed_KeepsItsFrames(int chunk)
    {
        byte[] input = [.. Frame(2, "err"), .. Frame(1, "out")];
        var filter = new OutputFilter(monitorFramed: true, clientFramed: true, stdout: true, stderr: false);
        Assert.Equal(Frame(1, "out"), Feed(filter, input, chunk));
    }

    [Fact]
    public void Framed_BothStreamsToFramed_IsPassThrough() =>
        Assert.True(new OutputFilter(monitorFramed: true, clientFramed: true, stdout: true, stderr: true).PassThrough);

    [Fact]
    public void Raw_ToFramed_WrapsAsStdout()
    {
        var filter = new OutputFilter(monitorFramed: false, clientFramed: true, stdout: true, stderr: true);
        Assert.Equal(Frame(1, "tty"), Feed(filter, System.Text.Encoding.ASCII.GetBytes("tty"), 100));
    }

    [Fact]
    public void Raw_WithoutStdout_Dropped()
    {
        var filter = new OutputFilter(monitorFramed: false, clientFramed: false, stdout: false, stderr: true);
        Assert.Empty(Feed(filter, System.Text.Encoding.ASCII.GetBytes("tty"), 100));
    }
}
