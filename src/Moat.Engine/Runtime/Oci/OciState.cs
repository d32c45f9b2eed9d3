using System.Text.Json.Serialization;

namespace Moat.Engine.Runtime.Oci;

/// <summary>What `runc state` prints.</summary>
public sealed class OciState
{
    [JsonPropertyName("ociVersion")] public string? OciVersion { get; set; }
    [JsonPropertyName("id")] public string Id { get; set; } = "";
    [JsonPropertyName("pid")] public int Pid { get; set; }
    /// <summary>created, running, paused, stopped (runc also reports "pausing" briefly).</summary>
    [JsonPropertyName("status")] public string Status { get; set; } = "";
    [JsonPropertyName("bundle")] public string? Bundle { get; set; }
    [JsonPropertyName("rootfs")] public string? Rootfs { get; set; }
    [JsonPropertyName("created")] public DateTimeOffset? Created { get; set; }
}
