using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Moat.Engine.Errors;

namespace Moat.Api.Json;

/// <summary>
/// The pre-scan of <see cref="RequestBody"/>: walks the first JSON value with <see cref="Utf8JsonReader"/>
/// alongside the contract's metadata and refuses a key that repeats in its object. In objects (a contract
/// type, or anything the contract does not describe) keys are compared after case folding, because Go and
/// System.Text.Json both match field names case-insensitively (Go with Unicode simple folding, so "ſ" is
/// "s" and the Kelvin sign is "k"; .NET with upper-casing, so "ı" is "i"): the fold covers both. In
/// dictionaries keys are data and compared exactly.
/// </summary>
internal static class StrictKeys
{
    private const int MaxDepth = 64;

    /// <summary>Scans the first value; returns the number of bytes it spans. Syntax errors become "invalid JSON: …".</summary>
    public static int Scan(ReadOnlySpan<byte> json, JsonTypeInfo root)
    {
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = MaxDepth, AllowMultipleValues = true });
        try
        {
            if (!reader.Read()) throw new InvalidArgumentException(RequestBody.EofMessage);
            ScanValue(ref reader, root, "$");
            return (int)reader.BytesConsumed;
        }
        catch (JsonException e)
        {
            throw new InvalidArgumentException($"invalid JSON: {e.Message}", e);
        }
        catch (InvalidOperationException e)
        {
            // GetString on a key that is not valid UTF-8.
            throw new InvalidArgumentException($"invalid JSON: {e.Message}", e);
        }
    }

    private static void ScanValue(ref Utf8JsonReader reader, JsonTypeInfo? info, string path)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.StartObject:
                ScanObject(ref reader, info, path);
                break;
            case JsonTokenType.StartArray:
                var element = info?.Kind == JsonTypeInfoKind.Enumerable ? Resolve(info, info.ElementType) : null;
                int index = 0;
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                    ScanValue(ref reader, element, $"{path}[{index++}]");
                break;
        }
    }

    private static void ScanObject(ref Utf8JsonReader reader, JsonTypeInfo? info, string path)
    {
        bool isMap = info?.Kind == JsonTypeInfoKind.Dictionary;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var valueInfo = isMap ? Resolve(info!, info!.ElementType) : null;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
        {
            string name = reader.GetString()!;
            if (!seen.Add(isMap ? name : Fold(name)))
            {
                throw new InvalidArgumentException(isMap
                    ? $"invalid JSON: duplicate key \"{name}\" in {path}"
                    : $"invalid JSON: duplicate key \"{name}\" in {path} (keys of an object must be unique, ignoring case)");
            }
            var child = isMap ? valueInfo : PropertyType(info, name);
            reader.Read();
            ScanValue(ref reader, child, isMap ? $"{path}[\"{name}\"]" : $"{path}.{name}");
        }
    }

    private static JsonTypeInfo? PropertyType(JsonTypeInfo? info, string name)
    {
        if (info?.Kind != JsonTypeInfoKind.Object) return null;
        string folded = Fold(name);
        foreach (var property in info.Properties)
            if (Fold(property.Name) == folded) return Resolve(info, property.PropertyType);
        return null;
    }

    private static JsonTypeInfo? Resolve(JsonTypeInfo owner, Type? type)
    {
        if (type is null) return null;
        try
        {
            return owner.Options.GetTypeInfo(type);
        }
        catch (NotSupportedException)
        {
            // Not in the context (object, JsonElement members): treat as undescribed, i.e. strict.
            return null;
        }
    }

    /// <summary>
    /// Case fold covering both Go's simple folding and .NET's ordinal upper-casing. .NET leaves out the
    /// mappings that cross into ASCII or between scripts; Go's folding orbits include them, so they are listed.
    /// </summary>
    internal static string Fold(string name) => string.Create(name.Length, name, static (span, s) =>
    {
        for (int i = 0; i < s.Length; i++)
        {
            span[i] = s[i] switch
            {
                '\u017F' => 's', // ſ long s
                '\u0131' => 'i', // ı dotless i (.NET upper-cases it to I)
                '\u212A' => 'k', // Kelvin sign
                '\u212B' => '\u00E5', // Angstrom sign → å
                '\u00B5' => '\u03BC', // micro sign → μ
                var c => char.ToLowerInvariant(char.ToUpperInvariant(char.ToLowerInvariant(c))),
            };
        }
    });
}
