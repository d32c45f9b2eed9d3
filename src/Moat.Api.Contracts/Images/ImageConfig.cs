using System.Text.Json.Serialization;

namespace Moat.Api.Contracts.Images;

/// <summary>
/// The container defaults an image carries ("config" of the image JSON, "Config" of GET /images/{name}/json).
/// Absent and empty fields are omitted, as dockerd's DockerOCIImageConfig does for API 1.50.
/// </summary>
public sealed class ImageConfig
{
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Hostname { get; set; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Domainname { get; set; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? User { get; set; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public Dictionary<string, EmptyObject>? ExposedPorts { get; set; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public List<string>? Env { get; set; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public List<string>? Cmd { get; set; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public HealthConfig? Healthcheck { get; set; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public bool? ArgsEscaped { get; set; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public Dictionary<string, EmptyObject>? Volumes { get; set; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? WorkingDir { get; set; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public List<string>? Entrypoint { get; set; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public List<string>? OnBuild { get; set; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public Dictionary<string, string>? Labels { get; set; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? StopSignal { get; set; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public int? StopTimeout { get; set; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public List<string>? Shell { get; set; }

    /// <summary>A copy with the empty values dropped (Go's omitempty), for API output.</summary>
    public ImageConfig Compact() => new()
    {
        User = string.IsNullOrEmpty(User) ? null : User,
        ExposedPorts = ExposedPorts is { Count: > 0 } ? ExposedPorts : null,
        Env = Env is { Count: > 0 } ? Env : null,
        Cmd = Cmd is { Count: > 0 } ? Cmd : null,
        Healthcheck = Healthcheck,
        ArgsEscaped = ArgsEscaped == true ? true : null,
        Volumes = Volumes is { Count: > 0 } ? Volumes : null,
        WorkingDir = string.IsNullOrEmpty(WorkingDir) ? null : WorkingDir,
        Entrypoint = Entrypoint is { Count: > 0 } ? Entrypoint : null,
        OnBuild = OnBuild is { Count: > 0 } ? OnBuild : null,
        Labels = Labels is { Count: > 0 } ? Labels : null,
        StopSignal = string.IsNullOrEmpty(StopSignal) ? null : StopSignal,
        Shell = Shell is { Count: > 0 } ? Shell : null,
    };
}

/// <summary>Go's struct{}: serialized as {}.</summary>
public sealed class EmptyObject;

/// <summary>HEALTHCHECK: durations in nanoseconds, as dockerd stores them.</summary>
public sealed class HealthConfig
{
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public List<string>? Test { get; set; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] public long Interval { get; set; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] public long Timeout { get; set; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] public long StartPeriod { get; set; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] public long StartInterval { get; set; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] public int Retries { get; set; }
}
