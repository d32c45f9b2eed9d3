using System.Text.Json.Serialization;
using Moat.Engine.Runtime.Oci;

namespace Moat.Engine.Runtime.Seccomp;

/// <summary>
/// A seccomp profile in Docker's format (moby profiles/seccomp/seccomp.go): like the OCI section, plus
/// archMap and per-rule includes/excludes by capability, architecture and minimum kernel.
/// </summary>
public sealed class SeccompProfile
{
    [JsonPropertyName("defaultAction")] public string? DefaultAction { get; set; }
    [JsonPropertyName("defaultErrnoRet")] public uint? DefaultErrnoRet { get; set; }
    [JsonPropertyName("architectures")] public List<string>? Architectures { get; set; }
    [JsonPropertyName("archMap")] public List<SeccompArchMap>? ArchMap { get; set; }
    [JsonPropertyName("flags")] public List<string>? Flags { get; set; }
    [JsonPropertyName("syscalls")] public List<SeccompRule>? Syscalls { get; set; }
}

public sealed class SeccompArchMap
{
    [JsonPropertyName("architecture")] public string Architecture { get; set; } = "";
    [JsonPropertyName("subArchitectures")] public List<string>? SubArchitectures { get; set; }
}

public sealed class SeccompRule
{
    [JsonPropertyName("name")] public string? Name { get; set; }
    [JsonPropertyName("names")] public List<string>? Names { get; set; }
    [JsonPropertyName("action")] public string Action { get; set; } = "";
    [JsonPropertyName("errnoRet")] public uint? ErrnoRet { get; set; }
    [JsonPropertyName("args")] public List<OciSeccompArg>? Args { get; set; }
    [JsonPropertyName("comment")] public string? Comment { get; set; }
    [JsonPropertyName("includes")] public SeccompFilter? Includes { get; set; }
    [JsonPropertyName("excludes")] public SeccompFilter? Excludes { get; set; }
}

public sealed class SeccompFilter
{
    /// <summary>Go architecture names (amd64, x32, x86, arm64, ...), as in Docker's profile.</summary>
    [JsonPropertyName("arches")] public List<string>? Arches { get; set; }
    [JsonPropertyName("caps")] public List<string>? Caps { get; set; }
    [JsonPropertyName("minKernel")] public string? MinKernel { get; set; }
}
