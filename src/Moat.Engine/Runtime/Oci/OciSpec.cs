using System.Text.Json.Serialization;

namespace Moat.Engine.Runtime.Oci;

// The OCI runtime-spec config.json (v1.0.2 as runc 1.1 reads it). Only the fields Moat writes are modelled;
// null members are omitted when serialized (see OciJsonContext).

/// <summary>Root of an OCI bundle's config.json.</summary>
public sealed class OciSpec
{
    [JsonPropertyName("ociVersion")] public string OciVersion { get; set; } = "1.0.2";
    [JsonPropertyName("process")] public OciProcess Process { get; set; } = new();
    [JsonPropertyName("root")] public OciRoot Root { get; set; } = new();
    [JsonPropertyName("hostname")] public string? Hostname { get; set; }
    [JsonPropertyName("domainname")] public string? Domainname { get; set; }
    [JsonPropertyName("mounts")] public List<OciMount> Mounts { get; set; } = [];
    [JsonPropertyName("annotations")] public Dictionary<string, string>? Annotations { get; set; }
    [JsonPropertyName("linux")] public OciLinux Linux { get; set; } = new();
}

public sealed class OciRoot
{
    [JsonPropertyName("path")] public string Path { get; set; } = "rootfs";
    [JsonPropertyName("readonly")] public bool? Readonly { get; set; }
}

public sealed class OciMount
{
    [JsonPropertyName("destination")] public string Destination { get; set; } = "";
    [JsonPropertyName("type")] public string? Type { get; set; }
    [JsonPropertyName("source")] public string? Source { get; set; }
    [JsonPropertyName("options")] public List<string>? Options { get; set; }
}
