using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Moat.Daemon.Configuration;

/// <summary>Go's <c>%q</c> and <c>%v</c> formatting, so messages read exactly like dockerd's.</summary>
internal static class GoFormat
{
    /// <summary><c>strconv.Quote</c>.</summary>
    public static string Quote(string s)
    {
        var sb = new StringBuilder(s.Length + 2);
        sb.Append('"');
        foreach (Rune r in s.EnumerateRunes())
        {
            switch (r.Value)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\a': sb.Append("\\a"); break;
                case '\b': sb.Append("\\b"); break;
                case '\f': sb.Append("\\f"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                case '\v': sb.Append("\\v"); break;
                default:
                    if (r.Value < 0x20 || r.Value == 0x7f) sb.Append(CultureInfo.InvariantCulture, $"\\x{r.Value:x2}");
                    else if (Rune.GetUnicodeCategory(r) is UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.OtherNotAssigned or UnicodeCategory.Surrogate or UnicodeCategory.PrivateUse)
                        sb.Append(r.Value > 0xffff ? $"\\U{r.Value:x8}" : $"\\u{r.Value:x4}");
                    else sb.Append(r.ToString());
                    break;
            }
        }
        sb.Append('"');
        return sb.ToString();
    }

    /// <summary><c>fmt.Sprintf("%v", []string{...})</c>.</summary>
    public static string List(IEnumerable<string> values) => "[" + string.Join(' ', values) + "]";

    /// <summary><c>fmt.Sprintf("%v", map[string]string{...})</c>: keys sorted.</summary>
    public static string Map(IEnumerable<KeyValuePair<string, string>> values) =>
        "map[" + string.Join(' ', values.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => kv.Key + ":" + kv.Value)) + "]";

    /// <summary><c>%v</c> of the value <c>json.Unmarshal</c> into <c>interface{}</c> would produce.</summary>
    public static string Value(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.String => e.GetString()!,
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        JsonValueKind.Null => "<nil>",
        JsonValueKind.Number => Float(e.GetDouble()),
        JsonValueKind.Array => "[" + string.Join(' ', e.EnumerateArray().Select(Value)) + "]",
        JsonValueKind.Object => "map[" + string.Join(' ', e.EnumerateObject().OrderBy(p => p.Name, StringComparer.Ordinal).Select(p => p.Name + ":" + Value(p.Value))) + "]",
        _ => "",
    };

    /// <summary><c>%v</c> of a float64 (<c>%g</c>, shortest digits): exponent form when the exponent is &lt; -4 or ≥ 6.</summary>
    public static string Float(double d)
    {
        if (double.IsNaN(d)) return "NaN";
        if (double.IsInfinity(d)) return d > 0 ? "+Inf" : "-Inf";
        // Shortest round-trip digits.
        string shortest = d.ToString("R", CultureInfo.InvariantCulture);
        bool negative = shortest.StartsWith('-');
        if (negative) shortest = shortest[1..];
        string mantissa = shortest;
        int exp10 = 0;
        int e = shortest.IndexOfAny(['E', 'e']);
        if (e >= 0)
        {
            exp10 = int.Parse(shortest[(e + 1)..], CultureInfo.InvariantCulture);
            mantissa = shortest[..e];
        }
        int dot = mantissa.IndexOf('.');
        string digits = dot < 0 ? mantissa : mantissa.Remove(dot, 1);
        int dp = (dot < 0 ? mantissa.Length : dot) + exp10;
        int lead = 0;
        while (lead < digits.Length - 1 && digits[lead] == '0') { lead++; dp--; }
        digits = digits[lead..].TrimEnd('0');
        if (digits.Length == 0) return negative ? "-0" : "0";
        int exp = dp - 1;
        string result;
        if (exp < -4 || exp >= 6)
        {
            string m = digits.Length > 1 ? digits[0] + "." + digits[1..] : digits;
            result = m + "e" + (exp < 0 ? "-" : "+") + Math.Abs(exp).ToString("00", CultureInfo.InvariantCulture);
        }
        else if (dp <= 0) result = "0." + new string('0', -dp) + digits;
        else if (dp >= digits.Length) result = digits + new string('0', dp - digits.Length);
        else result = digits[..dp] + "." + digits[dp..];
        return negative ? "-" + result : result;
    }
}
