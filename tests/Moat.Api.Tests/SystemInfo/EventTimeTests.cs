using Moat.Api.SystemInfo;
using Moat.Engine.Errors;

namespace Moat.Api.Tests.SystemInfo;

public sealed class EventTimeTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 29, 12, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    public void Parse_Empty_IsNull(string? text)
    {
        Assert.Null(EventTime.Parse(text, Now));
    }

    [Theory]
    [InlineData("0", 0L, 0L)]
    [InlineData("1700000000", 1700000000L, 0L)]
    [InlineData("1700000000.5", 1700000000L, 500_000_000L)]
    [InlineData("1700000000.000000001", 1700000000L, 0L)]
    [InlineData("1700000000.123456789999", 1700000000L, 123_456_700L)]
    [InlineData("-10", -10L, 0L)]
    public void Parse_UnixTimestampAsTheCliSends(string text, long seconds, long nanos)
    {
        var expected = DateTimeOffset.FromUnixTimeSeconds(seconds).AddTicks(nanos / 100);

        Assert.Equal(expected, EventTime.Parse(text, Now));
    }

    [Theory]
    [InlineData("10m", 600)]
    [InlineData("1h30m", 5400)]
    [InlineData("1.5s", 1.5)]
    [InlineData("250ms", 0.25)]
    public void Parse_GoDuration_IsRelativeToNow(string text, double seconds)
    {
        Assert.Equal(Now - TimeSpan.FromSeconds(seconds), EventTime.Parse(text, Now));
    }

    [Fact]
    public void Parse_Rfc3339_Accepted()
    {
        Assert.Equal(new DateTimeOffset(2026, 11, 29, 10, 0, 0, TimeSpan.Zero), EventTime.Parse("2026-11-29T10:00:00Z", Now));
        Assert.Equal(new DateTimeOffset(2026, 11, 29, 10, 0, 0, TimeSpan.FromHours(2)), EventTime.Parse("2026-11-29T10:00:00+02:00", Now));
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("10x")]
    [InlineData("1.")]
    [InlineData("1.2.3")]
    [InlineData("99999999999999999999")]
    [InlineData("2026-13-45")]
    public void Parse_Garbage_Is400WithText(string text)
    {
        var e = Assert.Throws<InvalidArgumentException>(() => EventTime.Parse(text, Now));
        Assert.Equal($"failed to parse value as time or duration: \"{text}\"", e.Message);
    }
}
