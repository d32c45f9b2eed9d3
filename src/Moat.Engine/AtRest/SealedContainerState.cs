using System.Text.Json;
using System.Text.Json.Nodes;
using Moat.Engine.Containers;

namespace Moat.Engine.AtRest;

/// <summary>
/// Splits a container's persisted state into what may stay readable (config.v2.json: state, mounts, image, host
/// config) and its secrets (secrets.sealed: environment, command, entrypoint, labels), and joins them again.
/// </summary>
internal static class SealedContainerState
{
    public const string SecretsFile = "secrets.sealed";
    private static readonly string[] RecordFields = ["Path", "Args"];
    private static readonly string[] ConfigFields = ["Env", "Cmd", "Entrypoint", "Labels"];

    public static string Purpose(string id) => "container-config:" + id;

    /// <summary>(config.v2.json without the secrets, the secrets as a JSON object).</summary>
    public static (byte[] Public, byte[] Secrets) Split(ContainerRecord record)
    {
        var node = JsonSerializer.SerializeToNode(record, ContainerStoreJsonContext.Default.ContainerRecord)!.AsObject();
        var secrets = new JsonObject();
        foreach (var field in RecordFields)
            if (node.Remove(field, out var value)) secrets[field] = value;
        if (node["Config"] is JsonObject config)
        {
            var configSecrets = new JsonObject();
            foreach (var field in ConfigFields)
                if (config.Remove(field, out var value)) configSecrets[field] = value;
            secrets["Config"] = configSecrets;
        }
        return (JsonSerializer.SerializeToUtf8Bytes(node, ContainerStoreJsonContext.Default.JsonObject),
                JsonSerializer.SerializeToUtf8Bytes(secrets, ContainerStoreJsonContext.Default.JsonObject));
    }

    /// <summary>The record from config.v2.json with the secrets (null: none available) put back.</summary>
    public static ContainerRecord? Join(byte[] publicJson, byte[]? secretsJson)
    {
        if (secretsJson is null) return JsonSerializer.Deserialize(publicJson, ContainerStoreJsonContext.Default.ContainerRecord);
        var node = JsonNode.Parse(publicJson)?.AsObject() ?? throw new JsonException("config.v2.json is not an object");
        var secrets = JsonNode.Parse(secretsJson)?.AsObject() ?? throw new JsonException("sealed container secrets are not an object");
        foreach (var field in RecordFields)
            if (secrets[field] is { } value) node[field] = value.DeepClone();
        if (secrets["Config"] is JsonObject configSecrets)
        {
            if (node["Config"] is not JsonObject config) node["Config"] = config = new JsonObject();
            foreach (var (field, value) in configSecrets) config[field] = value?.DeepClone();
        }
        return node.Deserialize(ContainerStoreJsonContext.Default.ContainerRecord);
    }
}
