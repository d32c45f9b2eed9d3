using System.Text.Json.Serialization;

namespace Moat.Api.Contracts.SystemInfo;

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(SystemVersion))]
public sealed partial class SystemJsonContext : JsonSerializerContext;
