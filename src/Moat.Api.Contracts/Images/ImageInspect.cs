using System.Text.Json.Serialization;

namespace Moat.Api.Contracts.Images;

/// <summary>GET /images/{name}/json as dockerd answers it with a graph driver (API 1.50).</summary>
public sealed class ImageInspect
{
    public string Id { get; set; } = "";
    public List<string> RepoTags { get; set; } = [];
    public List<string> RepoDigests { get; set; } = [];
    public string Parent { get; set; } = "";
    public string Comment { get; set; } = "";
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Created { get; set; }
    public string DockerVersion { get; set; } = "";
    public string Author { get; set; } = "";
    public ImageConfig? Config { get; set; }
    public string Architecture { get; set; } = "";
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Variant { get; set; }
    public string Os { get; set; } = "";
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? OsVersion { get; set; }
    public long Size { get; set; }
    public GraphDriverData GraphDriver { get; set; } = new();
    public ImageRootFs RootFS { get; set; } = new();
    public ImageMetadata Metadata { get; set; } = new();
}

public sealed class GraphDriverData
{
    public Dictionary<string, string> Data { get; set; } = [];
    public string Name { get; set; } = "";
}

public sealed class ImageRootFs
{
    public string Type { get; set; } = "layers";
    public List<string> Layers { get; set; } = [];
}

public sealed class ImageMetadata
{
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? LastTagTime { get; set; }
}

/// <summary>One entry of GET /images/{name}/history, newest first.</summary>
public sealed class ImageHistoryItem
{
    public string Id { get; set; } = "";
    public long Created { get; set; }
    public string CreatedBy { get; set; } = "";
    public List<string>? Tags { get; set; }
    public long Size { get; set; }
    public string Comment { get; set; } = "";
}

/// <summary>One entry of DELETE /images/{name} and of the prune report.</summary>
public sealed class ImageDeleteItem
{
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Untagged { get; set; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Deleted { get; set; }
}

/// <summary>POST /images/prune.</summary>
public sealed class ImagePruneReport
{
    public List<ImageDeleteItem>? ImagesDeleted { get; set; }
    public long SpaceReclaimed { get; set; }
}

/// <summary>One line of a JSON progress stream (jsonmessage.JSONMessage).</summary>
public sealed class JsonMessage
{
    [JsonPropertyName("stream"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Stream { get; set; }
    [JsonPropertyName("status"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Status { get; set; }
    [JsonPropertyName("progressDetail"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public ProgressDetail? ProgressDetail { get; set; }
    [JsonPropertyName("id"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Id { get; set; }
    [JsonPropertyName("errorDetail"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public ErrorDetail? ErrorDetail { get; set; }
    [JsonPropertyName("error"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Error { get; set; }
}

public sealed class ProgressDetail
{
    [JsonPropertyName("current"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] public long Current { get; set; }
    [JsonPropertyName("total"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] public long Total { get; set; }
}

public sealed class ErrorDetail
{
    [JsonPropertyName("message")] public string Message { get; set; } = "";
}

/// <summary>The images part of GET /system/df.</summary>
public sealed class ImageDiskUsage
{
    public long LayersSize { get; set; }
    public List<ImageSummary> Images { get; set; } = [];
}

/// <summary>
/// GET /system/df. Only the images part is filled by the images area; Containers, Volumes and BuildCache
/// stay empty until their areas contribute.
/// </summary>
public sealed class SystemDiskUsage
{
    public long LayersSize { get; set; }
    public List<ImageSummary> Images { get; set; } = [];
    public List<System.Text.Json.JsonElement> Containers { get; set; } = [];
    public List<System.Text.Json.JsonElement> Volumes { get; set; } = [];
    public List<System.Text.Json.JsonElement> BuildCache { get; set; } = [];
}
