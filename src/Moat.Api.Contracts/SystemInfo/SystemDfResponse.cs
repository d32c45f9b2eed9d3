using System.Text.Json;
using System.Text.Json.Serialization;

namespace Moat.Api.Contracts.SystemInfo;

/// <summary>
/// GET /system/df (dockerd's types.DiskUsage up to API 1.51). Each list is null when its type was not
/// requested (<c>?type=</c>) and a list otherwise. The items are the other areas' wire types (ImageSummary,
/// ContainerSummary, Volume, BuildCache), carried as already-serialized elements so this contract does not
/// depend on theirs.
/// </summary>
public sealed class SystemDfResponse
{
    public long LayersSize { get; set; }
    public List<JsonElement>? Images { get; set; }
    public List<JsonElement>? Containers { get; set; }
    public List<JsonElement>? Volumes { get; set; }
    public List<JsonElement>? BuildCache { get; set; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public long BuilderSize { get; set; }
}
