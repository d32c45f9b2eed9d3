using System.Text.Json.Serialization;

namespace Moat.Engine.Containers;

[JsonSourceGenerationOptions(WriteIndented = false, UseStringEnumConverter = true)]
[JsonSerializable(typeof(ContainerRecord))]
[JsonSerializable(typeof(System.Text.Json.Nodes.JsonObject))]
internal sealed partial class ContainerStoreJsonContext : JsonSerializerContext;
