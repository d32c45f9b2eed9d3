using System.Text.Json.Serialization;

namespace Moat.Security.Pki;

[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(PkiIndex))]
internal sealed partial class PkiJsonContext : JsonSerializerContext;
