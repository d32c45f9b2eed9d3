using System.Text.Json.Serialization;

namespace Moat.Security.Policy;

/// <summary>The policy file as written (docs/authorization.md): roles by name, and bindings of roles to users and groups.</summary>
public sealed class PolicyDocument
{
    /// <summary>Custom roles; the built-in admin, operator, developer and viewer cannot be redefined.</summary>
    [JsonPropertyName("roles")]
    public Dictionary<string, RoleDocument>? Roles { get; set; }

    [JsonPropertyName("bindings")]
    public List<BindingDocument>? Bindings { get; set; }
}

public sealed class RoleDocument
{
    [JsonPropertyName("description")]
    public string? Description { get; set; }

    /// <summary>Action names or patterns with "*" (e.g. "container.*", "*.list").</summary>
    [JsonPropertyName("actions")]
    public List<string>? Actions { get; set; }

    /// <summary>"all" (default) or "own": with "own" the caller sees and touches only objects they created.</summary>
    [JsonPropertyName("scope")]
    public string? Scope { get; set; }

    /// <summary>What the role may create; absent = the restrictive defaults.</summary>
    [JsonPropertyName("constraints")]
    public ConstraintsDocument? Constraints { get; set; }
}

public sealed class BindingDocument
{
    [JsonPropertyName("role")]
    public string? Role { get; set; }

    [JsonPropertyName("users")]
    public List<string>? Users { get; set; }

    [JsonPropertyName("groups")]
    public List<string>? Groups { get; set; }

    /// <summary>Also bind callers without an identity (loopback TCP, TLS without client certificates).</summary>
    [JsonPropertyName("anonymous")]
    public bool Anonymous { get; set; }
}

/// <summary>Limits on create requests of a non-admin role. Every field defaults to the safe choice.</summary>
public sealed class ConstraintsDocument
{
    /// <summary>May create privileged containers and privileged exec instances (default false).</summary>
    [JsonPropertyName("privileged")]
    public bool Privileged { get; set; }

    /// <summary>Capabilities that may be added with --cap-add (default none); "ALL" only if listed.</summary>
    [JsonPropertyName("capabilities")]
    public List<string>? Capabilities { get; set; }

    /// <summary>Host device paths that may be passed with --device (default none).</summary>
    [JsonPropertyName("devices")]
    public List<string>? Devices { get; set; }

    /// <summary>Host namespaces that may be joined: pid, ipc, uts, network, userns, cgroupns (default none).</summary>
    [JsonPropertyName("host-namespaces")]
    public List<string>? HostNamespaces { get; set; }

    /// <summary>Host path prefixes allowed as bind-mount sources, "{user}" expands to the caller (default none).</summary>
    [JsonPropertyName("bind-mounts")]
    public List<string>? BindMounts { get; set; }

    /// <summary>May switch off seccomp, AppArmor, SELinux labels, masked paths or no-new-privileges (default false).</summary>
    [JsonPropertyName("allow-unconfined")]
    public bool AllowUnconfined { get; set; }

    /// <summary>OCI runtimes that may be chosen with --runtime (default: only the daemon's default).</summary>
    [JsonPropertyName("runtimes")]
    public List<string>? Runtimes { get; set; }

    /// <summary>Sysctl name patterns that may be set (default none).</summary>
    [JsonPropertyName("sysctls")]
    public List<string>? Sysctls { get; set; }

    /// <summary>Image reference patterns (normalized, e.g. "docker.io/library/*"); absent = any image.</summary>
    [JsonPropertyName("images")]
    public List<string>? Images { get; set; }
}
