using System.Globalization;
using System.Text.Json;
using Moat.Api.Routing;
using Moat.Engine.Errors;

namespace Moat.Api.Containers;

/// <summary>Query-string conventions of dockerd: httputils.BoolValue, integer parameters and the filters JSON.</summary>
public static class QueryValues
{
    /// <summary>"", "0", "no", "false", "none" are false; anything else present is true.</summary>
    public static bool Bool(ApiRequest request, string name)
    {
        string? v = request.Query(name);
        if (v is null) return false;
        v = v.Trim().ToLowerInvariant();
        return !(v is "" or "0" or "no" or "false" or "none");
    }

    public static int? Int(ApiRequest request, string name)
    {
        string? v = request.Query(name);
        if (string.IsNullOrEmpty(v)) return null;
        if (!int.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out int n))
            throw new InvalidArgumentException($"invalid value for {name}: {v}");
        return n;
    }

    /// <summary>Decodes filters={"status":{"exited":true}} (or the legacy {"status":["exited"]}).</summary>
    public static Dictionary<string, IReadOnlyList<string>> Filters(ApiRequest request)
    {
        var result = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        string? text = request.Query("filters");
        if (string.IsNullOrEmpty(text)) return result;
        if (text.Length > 64 * 1024) throw new InvalidArgumentException("filters are too long");
        try
        {
            using var doc = JsonDocument.Parse(text);
            if (doc.RootElement.ValueKind != JsonValueKind.Object) throw new InvalidArgumentException("invalid filter: expected an object");
            foreach (var prop in doc.RootElement.EnumerateObject())
            {
                var values = new List<string>();
                if (prop.Value.ValueKind == JsonValueKind.Object)
                {
                    foreach (var v in prop.Value.EnumerateObject())
                        if (v.Value.ValueKind == JsonValueKind.True) values.Add(v.Name);
                }
                else if (prop.Value.ValueKind == JsonValueKind.Array)
                {
                    foreach (var v in prop.Value.EnumerateArray())
                        if (v.ValueKind == JsonValueKind.String) values.Add(v.GetString()!);
                }
                else throw new InvalidArgumentException($"invalid filter '{prop.Name}'");
                result[prop.Name] = values;
            }
        }
        catch (JsonException e)
        {
            throw new InvalidArgumentException($"invalid filter: {e.Message}", e);
        }
        return result;
    }

    /// <summary>Docker timestamps for since/until: unix seconds with optional fraction ("1700000000.5"), or RFC 3339.</summary>
    public static DateTimeOffset? Timestamp(ApiRequest request, string name)
    {
        string? v = request.Query(name);
        if (string.IsNullOrEmpty(v) || v == "0") return null;
        if (decimal.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out decimal seconds))
        {
            long whole = (long)Math.Floor(seconds);
            long ticks = (long)((seconds - whole) * TimeSpan.TicksPerSecond);
            return DateTimeOffset.FromUnixTimeSeconds(whole).AddTicks(ticks);
        }
        if (DateTimeOffset.TryParse(v, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t)) return t;
        throw new InvalidArgumentException($"invalid value for {name}: {v}");
    }

    /// <summary>Go's RFC3339Nano: trailing zeros of the fraction dropped; the zero time as "0001-01-01T00:00:00Z".</summary>
    public static string Rfc3339Nano(DateTimeOffset time)
    {
        var utc = time.UtcDateTime;
        string fraction = utc.ToString("fffffff", CultureInfo.InvariantCulture).TrimEnd('0');
        return utc.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture) + (fraction.Length > 0 ? "." + fraction : "") + "Z";
    }

    /// <summary>jsonmessage.RFC3339NanoFixed, as docker logs --timestamps prints it.</summary>
    public static string Rfc3339NanoFixed(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff", CultureInfo.InvariantCulture) + "00Z";
}
