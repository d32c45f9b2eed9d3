using System.Text;
using System.Text.Json;
using Moat.Engine.Errors;

namespace Moat.Engine.Events;

/// <summary>
/// The <c>filters</c> query parameter of list and event endpoints, as moby's filters.Args: a JSON object of
/// key → set of values, <c>{"type":{"container":true}}</c>, or the legacy <c>{"type":["container"]}</c>.
/// Matching helpers keep moby's semantics (a key that is absent or empty matches everything).
/// </summary>
public sealed class FilterArgs
{
    /// <summary>Bound on the filters text; real filters are a few hundred bytes.</summary>
    public const int MaxJsonLength = 64 * 1024;

    private readonly Dictionary<string, HashSet<string>> _fields;

    public static readonly FilterArgs Empty = new([]);

    private FilterArgs(Dictionary<string, HashSet<string>> fields) => _fields = fields;

    public static FilterArgs Create(params (string Key, string Value)[] pairs)
    {
        var fields = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (var (key, value) in pairs)
        {
            if (!fields.TryGetValue(key, out var set)) fields[key] = set = new HashSet<string>(StringComparer.Ordinal);
            set.Add(value);
        }
        return new FilterArgs(fields);
    }

    /// <summary>Parses the query value; empty or absent is no filter. Anything else that is not a filter map is "invalid filter".</summary>
    public static FilterArgs FromJson(string? json)
    {
        if (string.IsNullOrEmpty(json)) return Empty;
        if (json.Length > MaxJsonLength) throw new InvalidArgumentException("invalid filter");
        var fields = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        try
        {
            var reader = new Utf8JsonReader(Encoding.UTF8.GetBytes(json), new JsonReaderOptions { MaxDepth = 4 });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) throw Invalid();
            while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
            {
                string key = reader.GetString()!;
                if (fields.ContainsKey(key)) throw Invalid();
                var values = new HashSet<string>(StringComparer.Ordinal);
                fields[key] = values;
                reader.Read();
                if (reader.TokenType == JsonTokenType.StartObject)
                {
                    while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
                    {
                        string value = reader.GetString()!;
                        reader.Read();
                        if (reader.TokenType == JsonTokenType.True) values.Add(value);
                        else if (reader.TokenType != JsonTokenType.False) throw Invalid();
                    }
                }
                else if (reader.TokenType == JsonTokenType.StartArray)
                {
                    while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                    {
                        if (reader.TokenType != JsonTokenType.String) throw Invalid();
                        values.Add(reader.GetString()!);
                    }
                }
                else if (reader.TokenType != JsonTokenType.Null)
                {
                    throw Invalid();
                }
            }
            if (reader.Read()) throw Invalid();
        }
        catch (JsonException)
        {
            throw Invalid();
        }
        catch (InvalidOperationException)
        {
            throw Invalid();
        }
        return new FilterArgs(fields);
    }

    private static InvalidArgumentException Invalid() => new("invalid filter");

    public int Count => _fields.Count;
    public IEnumerable<string> Keys => _fields.Keys;
    public bool Contains(string key) => _fields.ContainsKey(key);
    public IReadOnlyCollection<string> Get(string key) => _fields.TryGetValue(key, out var v) ? v : [];

    /// <summary>Refuses keys outside <paramref name="accepted"/> with moby's "invalid filter 'key'".</summary>
    public void Validate(params string[] accepted)
    {
        foreach (var key in _fields.Keys)
            if (Array.IndexOf(accepted, key) < 0) throw new InvalidArgumentException($"invalid filter '{key}'");
    }

    /// <summary>True if the key is absent or empty, or <paramref name="source"/> is one of its values.</summary>
    public bool ExactMatch(string key, string source) =>
        !_fields.TryGetValue(key, out var values) || values.Count == 0 || values.Contains(source);

    /// <summary>As <see cref="ExactMatch"/>, or <paramref name="source"/> starts with one of the values.</summary>
    public bool FuzzyMatch(string key, string source)
    {
        if (ExactMatch(key, source)) return true;
        foreach (var prefix in _fields[key])
            if (source.StartsWith(prefix, StringComparison.Ordinal)) return true;
        return false;
    }

    /// <summary>Every "k" or "k=v" value of the key must be present in <paramref name="sources"/> (labels).</summary>
    public bool MatchKVList(string key, IReadOnlyDictionary<string, string> sources)
    {
        if (!_fields.TryGetValue(key, out var values) || values.Count == 0) return true;
        if (sources.Count == 0) return false;
        foreach (var value in values)
        {
            int eq = value.IndexOf('=');
            string k = eq < 0 ? value : value[..eq];
            if (!sources.TryGetValue(k, out var actual)) return false;
            if (eq >= 0 && actual != value[(eq + 1)..]) return false;
        }
        return true;
    }
}
