using System.Text.Json;
using Moat.Engine.Errors;

namespace Moat.Api.Security;

/// <summary>
/// Refuses JSON that two parsers could read differently: a key repeated in one object, or two keys that differ
/// only in case (Go's decoder, and ours with case-insensitive matching, would pick one of them; a policy
/// engine reading the raw bytes might pick the other). Runs on the raw body before it is decoded.
/// </summary>
public static class StrictJson
{
    /// <exception cref="InvalidArgumentException">The body is ambiguous or not JSON.</exception>
    public static void EnsureUnambiguous(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 64 });
        var stack = new Stack<HashSet<string>?>();
        try
        {
            while (reader.Read())
            {
                switch (reader.TokenType)
                {
                    case JsonTokenType.StartObject:
                        stack.Push(new HashSet<string>(StringComparer.OrdinalIgnoreCase));
                        break;
                    case JsonTokenType.StartArray:
                        stack.Push(null);
                        break;
                    case JsonTokenType.EndObject:
                    case JsonTokenType.EndArray:
                        stack.Pop();
                        break;
                    case JsonTokenType.PropertyName:
                        string name = reader.GetString()!;
                        var keys = stack.Peek()!;
                        if (!keys.Add(name))
                        {
                            keys.TryGetValue(name, out var first);
                            throw new InvalidArgumentException(first == name
                                ? $"invalid JSON: duplicate key \"{name}\""
                                : $"invalid JSON: keys \"{first}\" and \"{name}\" differ only in case");
                        }
                        break;
                }
            }
        }
        catch (JsonException e)
        {
            throw new InvalidArgumentException($"invalid JSON: {e.Message}", e);
        }
    }
}
