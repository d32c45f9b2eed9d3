using System.Text.Json.Serialization;

namespace Moat.Api.Contracts.Images;

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.Never, PropertyNameCaseInsensitive = true)]
[JsonSerializable(typeof(List<ImageSummary>))]
[JsonSerializable(typeof(ImageInspect))]
[JsonSerializable(typeof(List<ImageHistoryItem>))]
[JsonSerializable(typeof(List<ImageDeleteItem>))]
[JsonSerializable(typeof(ImagePruneReport))]
[JsonSerializable(typeof(JsonMessage))]
[JsonSerializable(typeof(ImageConfig))]
[JsonSerializable(typeof(ImageDiskUsage))]
[JsonSerializable(typeof(SystemDiskUsage))]
[JsonSerializable(typeof(Dictionary<string, Dictionary<string, bool>>))]
[JsonSerializable(typeof(Dictionary<string, List<string>>))]
public sealed partial class ImagesJsonContext : JsonSerializerContext;
