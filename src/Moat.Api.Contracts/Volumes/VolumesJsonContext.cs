using System.Text.Json.Serialization;

namespace Moat.Api.Contracts.Volumes;

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(Volume))]
[JsonSerializable(typeof(VolumeCreateRequest))]
[JsonSerializable(typeof(VolumeListResponse))]
[JsonSerializable(typeof(VolumePruneResponse))]
public sealed partial class VolumesJsonContext : JsonSerializerContext;
