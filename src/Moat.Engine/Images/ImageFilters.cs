using Moat.Engine.Errors;

namespace Moat.Engine.Images;

/// <summary>
/// The `filters` query parameter, decoded: key → values. dockerd accepts {"k":{"v":true}} and the older {"k":["v"]};
/// the API layer decodes either into this.
/// </summary>
public sealed class ImageFilters
{
    public static readonly ImageFilters Empty = new(new Dictionary<string, List<string>>());

    public ImageFilters(IReadOnlyDictionary<string, List<string>> values)
    {
        Values = values;
    }

    public IReadOnlyDictionary<string, List<string>> Values { get; }

    public IReadOnlyList<string> Get(string key) => Values.TryGetValue(key, out var v) ? v : [];

    public void Validate(params string[] allowed)
    {
        foreach (var key in Values.Keys)
            if (!allowed.Contains(key)) throw new InvalidArgumentException($"invalid filter '{key}'");
    }

    /// <summary>dangling=true|false (or 1|0); null when absent.</summary>
    public bool? Dangling()
    {
        var values = Get("dangling");
        if (values.Count == 0) return null;
        bool? result = null;
        foreach (var v in values)
        {
            bool b = v.ToLowerInvariant() switch
            {
                "true" or "1" => true,
                "false" or "0" => false,
                _ => throw new InvalidArgumentException($"invalid filter 'dangling={v}'"),
            };
            if (result is not null && result != b) throw new InvalidArgumentException("invalid filter 'dangling': conflicting values");
            result = b;
        }
        return result;
    }

    /// <summary>label=key or label=key=value: all must match (label! = none may match).</summary>
    public static bool MatchLabels(IReadOnlyList<string> filters, IReadOnlyDictionary<string, string> labels, bool negate = false)
    {
        foreach (var f in filters)
        {
            int eq = f.IndexOf('=');
            bool match = eq < 0 ? labels.ContainsKey(f) : labels.TryGetValue(f[..eq], out var v) && v == f[(eq + 1)..];
            if (negate ? match : !match) return false;
        }
        return true;
    }

    /// <summary>until=&lt;timestamp|duration&gt; as dockerd parses it (RFC 3339, unix seconds, or a Go duration ago).</summary>
    public static DateTimeOffset ParseTimestamp(string value, DateTimeOffset now)
    {
        if (DateTimeOffset.TryParse(value, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var t)) return t;
        if (double.TryParse(value, System.Globalization.NumberStyles.AllowDecimalPoint, System.Globalization.CultureInfo.InvariantCulture, out double secs))
            return DateTimeOffset.UnixEpoch.AddSeconds(secs);
        var m = System.Text.RegularExpressions.Regex.Match(value, "^([0-9]+)(ns|us|ms|s|m|h)$");
        if (m.Success)
        {
            long n = long.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
            var span = m.Groups[2].Value switch
            {
                "h" => TimeSpan.FromHours(n), "m" => TimeSpan.FromMinutes(n), "s" => TimeSpan.FromSeconds(n),
                "ms" => TimeSpan.FromMilliseconds(n), "us" => TimeSpan.FromMicroseconds(n), _ => TimeSpan.FromTicks(n / 100),
            };
            return now - span;
        }
        throw new InvalidArgumentException($"invalid filter 'until={value}': not a timestamp or duration");
    }

    /// <summary>reference=pattern: Go's path.Match against the familiar name and name:tag.</summary>
    public static bool MatchPattern(string pattern, string value)
    {
        return Match(pattern.AsSpan(), value.AsSpan());

        static bool Match(ReadOnlySpan<char> p, ReadOnlySpan<char> v)
        {
            while (p.Length > 0)
            {
                char c = p[0];
                if (c == '*')
                {
                    p = p[1..];
                    for (int i = 0; i <= v.Length; i++)
                    {
                        if (i > 0 && v[i - 1] == '/') return false;
                        if (Match(p, v[i..])) return true;
                    }
                    return false;
                }
                if (v.Length == 0) return false;
                if (c == '?') { if (v[0] == '/') return false; }
                else if (c == '[')
                {
                    int end = p.IndexOf(']');
                    if (end < 0) return false;
                    var set = p[1..end];
                    bool negate = set.Length > 0 && set[0] == '^';
                    if (negate) set = set[1..];
                    bool found = false;
                    for (int i = 0; i < set.Length; i++)
                    {
                        if (i + 2 < set.Length && set[i + 1] == '-') { if (v[0] >= set[i] && v[0] <= set[i + 2]) found = true; i += 2; }
                        else if (set[i] == v[0]) found = true;
                    }
                    if (found == negate) return false;
                    p = p[(end + 1)..];
                    v = v[1..];
                    continue;
                }
                else
                {
                    if (c == '\\' && p.Length > 1) { p = p[1..]; c = p[0]; }
                    if (c != v[0]) return false;
                }
                p = p[1..];
                v = v[1..];
            }
            return v.Length == 0;
        }
    }
}
