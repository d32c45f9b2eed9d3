using Moat.Api.Containers;
using Moat.Engine.Containers.Logs;

namespace Moat.Api.Tests.Containers;

public sealed class QueryValuesTests
{
    [Fact]
    public void Rfc3339Nano_TrimsLikeGo()
    {
        Assert.Equal("0001-01-01T00:00:00Z", QueryValues.Rfc3339Nano(default));
        Assert.Equal("2024-01-02T03:04:05.5Z", QueryValues.Rfc3339Nano(new DateTimeOffset(2024, 1, 2, 3, 4, 5, 500, TimeSpan.Zero)));
        Assert.Equal("2024-01-02T03:04:05.500000000Z", QueryValues.Rfc3339NanoFixed(new DateTimeOffset(2024, 1, 2, 3, 4, 5, 500, TimeSpan.Zero)));
    }

    [Fact]
    public void StreamFraming_WritesStdcopyHeader()
    {
        var buffer = new MemoryStream();
        StreamFraming.Append(buffer, LogStream.Stderr, "abc"u8, framed: true);
        StreamFraming.Append(buffer, LogStream.Stdout, "d"u8, framed: false);
        Assert.Equal(new byte[] { 2, 0, 0, 0, 0, 0, 0, 3, (byte)'a', (byte)'b', (byte)'c', (byte)'d' }, buffer.ToArray());
    }
}
