using System.Text.Json;

namespace Moat.Daemon.Configuration;

/// <summary>
/// Converts one daemon.json value to its typed form. Type errors read like Go's encoding/json
/// (<c>json: cannot unmarshal string into Go struct field Config.debug of type bool</c>); unlike Go, <c>null</c>
/// and unknown fields inside <c>default-ulimits</c>/<c>runtimes</c> entries are refused instead of ignored.
/// </summary>
internal static class ConfigValueReader
{
    public static object Read(ConfigKey key, JsonElement value) => key.Type switch
    {
        ConfigValueType.Bool => ReadBool(key.Name, value),
        ConfigValueType.String => ReadString(key.Name, value),
        ConfigValueType.StringList => ReadStringList(key.Name, value),
        ConfigValueType.StringMap => ReadStringMap(key.Name, value),
        ConfigValueType.Ulimits => ReadUlimits(key.Name, value),
        ConfigValueType.Runtimes => ReadRuntimes(key.Name, value),
        _ => throw new InvalidOperationException($"no reader for {key.Type}"),
    };

    private static ConfigurationException TypeError(string field, JsonElement value, string goType, string structName = "Config") =>
        new($"json: cannot unmarshal {Kind(value)} into Go struct field {structName}.{field} of type {goType}");

    private static string Kind(JsonElement value) => ConfigFileReader.KindName(value.ValueKind);

    private static bool ReadBool(string field, JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        _ => throw TypeError(field, value, "bool"),
    };

    private static string ReadString(string field, JsonElement value) =>
        value.ValueKind == JsonValueKind.String ? value.GetString()! : throw TypeError(field, value, "string");

    private static List<string> ReadStringList(string field, JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.Array) throw TypeError(field, value, "[]string");
        return value.EnumerateArray().Select(e => ReadString(field, e)).ToList();
    }

    private static Dictionary<string, string> ReadStringMap(string field, JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.Object) throw TypeError(field, value, "map[string]string");
        return value.EnumerateObject().ToDictionary(p => p.Name, p => ReadString(field, p.Value), StringComparer.Ordinal);
    }

    private static Dictionary<string, UlimitSettings> ReadUlimits(string field, JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.Object) throw TypeError(field, value, "map[string]*container.Ulimit");
        var result = new Dictionary<string, UlimitSettings>(StringComparer.Ordinal);
        foreach (var entry in value.EnumerateObject())
        {
            if (entry.Value.ValueKind != JsonValueKind.Object) throw TypeError(field, entry.Value, "container.Ulimit");
            string? name = null;
            long? soft = null, hard = null;
            foreach (var p in entry.Value.EnumerateObject())
            {
                // encoding/json matches struct fields case-insensitively.
                switch (p.Name.ToLowerInvariant())
                {
                    case "name": name = ReadString($"{field}.Name", p.Value); break;
                    case "soft": soft = ReadInt64($"{field}.Soft", p.Value); break;
                    case "hard": hard = ReadInt64($"{field}.Hard", p.Value); break;
                    default: throw new ConfigurationException($"json: unknown field {GoFormat.Quote(p.Name)} in {field}.{entry.Name}");
                }
            }
            name = string.IsNullOrEmpty(name) ? entry.Name : name;
            if (name != entry.Name) throw new ConfigurationException($"{field}: the entry {GoFormat.Quote(entry.Name)} has Name {GoFormat.Quote(name)}; they must be the same");
            if (!UlimitParser.Names.Contains(name)) throw new ConfigurationException($"invalid ulimit type: {name}");
            long s = soft ?? 0, h = hard ?? 0;
            UlimitParser.Check(s, h);
            result[name] = new UlimitSettings(name, s, h);
        }
        return result;
    }

    private static long ReadInt64(string field, JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.Number) throw TypeError(field, value, "int64", "Ulimit");
        if (!value.TryGetInt64(out long v))
            throw new ConfigurationException($"json: cannot unmarshal number {value.GetRawText()} into Go struct field Ulimit.{field} of type int64");
        return v;
    }

    private static Dictionary<string, RuntimeSettings> ReadRuntimes(string field, JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.Object) throw TypeError(field, value, "map[string]system.Runtime");
        var result = new Dictionary<string, RuntimeSettings>(StringComparer.Ordinal);
        foreach (var entry in value.EnumerateObject())
        {
            if (entry.Value.ValueKind != JsonValueKind.Object) throw TypeError(field, entry.Value, "system.Runtime");
            string path = "";
            List<string> args = [];
            foreach (var p in entry.Value.EnumerateObject())
            {
                switch (p.Name.ToLowerInvariant())
                {
                    case "path": path = ReadString($"{field}.path", p.Value); break;
                    case "runtimeargs": args = ReadStringList($"{field}.runtimeArgs", p.Value); break;
                    case "runtimetype":
                    case "options":
                        throw new ConfigurationException($"runtime {entry.Name}: {GoFormat.Quote(p.Name)} is not supported by moatd; give the runtime's \"path\" (and \"runtimeArgs\")");
                    default:
                        throw new ConfigurationException($"json: unknown field {GoFormat.Quote(p.Name)} in {field}.{entry.Name}");
                }
            }
            if (path.Length == 0) throw new ConfigurationException($"runtime {entry.Name}: either a runtimeType or a path must be configured");
            result[entry.Name] = new RuntimeSettings(path, args);
        }
        return result;
    }
}
