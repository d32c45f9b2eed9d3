using System.Globalization;
using Moat.Engine.Errors;

namespace Moat.Api.SystemInfo;

/// <summary>
/// The <c>since</c>/<c>until</c> values of GET /events. The docker CLI converts whatever the user typed
/// (durations such as "10m", RFC 3339 dates) into Unix seconds with optional nanoseconds ("1700000000.5")
/// before sending, which is all dockerd accepts. Moat accepts that, and for curl users the same relative
/// durations and RFC 3339 times the CLI understands.
/// </summary>
public static class EventTime
{
    /// <summary>Null for an empty value; otherwise the instant, or 400.</summary>
    public static DateTimeOffset? Parse(string? text, DateTimeOffset now)
    {
        if (string.IsNullOrEmpty(text)) return null;
        if (TryParseUnix(text, out var unix)) return unix;
        if (text != "0" && TryParseGoDuration(text, out var duration)) return now - duration;
        if (text.Contains('-') && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeLocal, out var date)) return date;
        throw new InvalidArgumentException($"failed to parse value as time or duration: \"{Shorten(text)}\"");
    }

    /// <summary>moby's timestamp.ParseTimestamps: "seconds[.fraction]", the fraction scaled to nanoseconds.</summary>
    public static bool TryParseUnix(string text, out DateTimeOffset time)
    {
        time = default;
        int dot = text.IndexOf('.');
        string secPart = dot < 0 ? text : text[..dot];
        if (!long.TryParse(secPart, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long seconds)) return false;
        long nanos = 0;
        if (dot >= 0)
        {
            string frac = text[(dot + 1)..];
            if (frac.Length == 0 || !frac.All(char.IsAsciiDigit)) return false;
            if (frac.Length > 9) frac = frac[..9];
            nanos = long.Parse(frac.PadRight(9, '0'), CultureInfo.InvariantCulture);
        }
        if (seconds < -62135596800 || seconds > 253402300799) return false;
        time = DateTimeOffset.FromUnixTimeSeconds(seconds).AddTicks(nanos / 100);
        return true;
    }

    /// <summary>Go's time.ParseDuration: a sequence of decimal numbers with units ns, us, µs, ms, s, m, h ("1h30m", "1.5s").</summary>
    public static bool TryParseGoDuration(string text, out TimeSpan duration)
    {
        duration = default;
        string s = text;
        bool negative = false;
        if (s.Length > 0 && (s[0] == '-' || s[0] == '+'))
        {
            negative = s[0] == '-';
            s = s[1..];
        }
        if (s == "0")
            return true;
        if (s.Length == 0) return false;
        double totalNanos = 0;
        int i = 0;
        while (i < s.Length)
        {
            int start = i;
            while (i < s.Length && (char.IsAsciiDigit(s[i]) || s[i] == '.')) i++;
            if (i == start || !double.TryParse(s[start..i], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double value)) return false;
            int unitStart = i;
            while (i < s.Length && !char.IsAsciiDigit(s[i]) && s[i] != '.') i++;
            double scale = s[unitStart..i] switch
            {
                "ns" => 1,
                "us" or "µs" or "μs" => 1e3,
                "ms" => 1e6,
                "s" => 1e9,
                "m" => 60e9,
                "h" => 3600e9,
                _ => double.NaN,
            };
            if (double.IsNaN(scale)) return false;
            totalNanos += value * scale;
        }
        if (totalNanos > TimeSpan.MaxValue.Ticks * 100.0) return false;
        duration = TimeSpan.FromTicks((long)(totalNanos / 100) * (negative ? -1 : 1));
        return true;
    }

    internal static string Shorten(string text) => text.Length <= 64 ? text : text[..64] + "…";
}
