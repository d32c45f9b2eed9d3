using System.Buffers;
using System.Text.Json;
using Moat.Api.Json;

namespace Moat.Api.Tests.Json;

public sealed class PooledBufferWriterTests
{
    private static byte[] Pattern(int length)
    {
        var bytes = new byte[length];
        for (int i = 0; i < length; i++) bytes[i] = (byte)(i * 31 + 7);
        return bytes;
    }

    [Fact]
    public void Write_ManySegmentsAndOddSizeHints_KeepsOrderAndLength()
    {
        byte[] expected = Pattern(100_000);
        using var writer = new PooledBufferWriter();
        int at = 0;
        foreach (int piece in new[] { 1, 5000, 16_384, 40_000, 3, 20_000 })
        {
            int n = Math.Min(piece, expected.Length - at);
            var span = writer.GetSpan(n);
            Assert.True(span.Length >= n);
            expected.AsSpan(at, n).CopyTo(span);
            writer.Advance(n);
            at += n;
        }
        writer.Write(expected.AsSpan(at));

        Assert.Equal(expected.Length, writer.Length);
        Assert.Equal(expected, writer.ToArray());
        var copy = new ArrayBufferWriter<byte>();
        writer.CopyTo(copy);
        Assert.Equal(expected, copy.WrittenSpan.ToArray());
    }

    [Fact]
    public void Serialize_LargeDocument_RoundTrips()
    {
        var list = Enumerable.Range(0, 2000).Select(i => new TestMount { Source = $"/src/{i}", Target = new string('t', i % 300) }).ToList();
        using var writer = new PooledBufferWriter();
        using (var json = new Utf8JsonWriter(writer))
            JsonSerializer.Serialize(json, list, TestJsonContext.Default.ListTestMount);

        byte[] bytes = writer.ToArray();
        Assert.Equal(JsonSerializer.SerializeToUtf8Bytes(list, TestJsonContext.Default.ListTestMount), bytes);
        Assert.True(writer.Length > 64 * 1024);
    }

    [Fact]
    public void Advance_PastTheSpan_Throws()
    {
        using var writer = new PooledBufferWriter();
        int available = writer.GetSpan(10).Length;

        Assert.Throws<ArgumentOutOfRangeException>(() => writer.Advance(available + 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => writer.Advance(-1));
    }

    [Fact]
    public void Dispose_Empties()
    {
        var writer = new PooledBufferWriter();
        writer.Write(Pattern(40_000));

        writer.Dispose();

        Assert.Equal(0, writer.Length);
        Assert.Empty(writer.ToArray());
    }
}
