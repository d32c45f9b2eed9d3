using System.Text.Json.Serialization;

namespace Moat.Engine.Containers;

[JsonSourceGenerationOptions(WriteIndented = false, UseStringEnumConverter = true)]
[JsonSerializable(typeof(ContainerRecord))]
internal sealed partial class ContainerStoreJsonContext : JsonSerializerContext;
