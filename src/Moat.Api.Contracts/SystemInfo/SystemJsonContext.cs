using System.Text.Json.Serialization;

namespace Moat.Api.Contracts.SystemInfo;

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(SystemVersion))]
[JsonSerializable(typeof(SystemInfoResponse))]
[JsonSerializable(typeof(EventMessage))]
[JsonSerializable(typeof(SystemDfResponse))]
public sealed partial class SystemJsonContext : JsonSerializerContext;
