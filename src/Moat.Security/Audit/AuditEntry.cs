using System.Text.Json.Serialization;

namespace Moat.Security.Audit;

/// <summary>
/// One line of the audit log: who asked for what, over which transport, what was decided and why.
/// Never carries request bodies, environment values, registry credentials or secret-bearing headers.
/// <see cref="Seq"/> and <see cref="Prev"/> are filled in by <see cref="AuditLog"/> when the entry is chained.
/// </summary>
public sealed class AuditEntry
{
    [JsonPropertyName("seq")] public long Seq { get; set; }
    [JsonPropertyName("time")] public string Time { get; set; } = "";
    /// <summary>"request" (an authorization decision), "event" (a state change) or "daemon" (start, rotation, recovery).</summary>
    [JsonPropertyName("kind")] public string Kind { get; set; } = "request";
    [JsonPropertyName("request_id")] public string? RequestId { get; set; }
    [JsonPropertyName("user")] public string? User { get; set; }
    [JsonPropertyName("groups")] public IReadOnlyList<string>? Groups { get; set; }
    /// <summary>"none", "peercred" or "tls".</summary>
    [JsonPropertyName("auth")] public string? Auth { get; set; }
    [JsonPropertyName("uid")] public int? Uid { get; set; }
    [JsonPropertyName("gid")] public int? Gid { get; set; }
    [JsonPropertyName("pid")] public int? Pid { get; set; }
    [JsonPropertyName("cert_serial")] public string? CertSerial { get; set; }
    [JsonPropertyName("cert_sha256")] public string? CertFingerprint { get; set; }
    [JsonPropertyName("transport")] public string? Transport { get; set; }
    [JsonPropertyName("remote")] public string? Remote { get; set; }
    [JsonPropertyName("method")] public string? Method { get; set; }
    [JsonPropertyName("action")] public string? Action { get; set; }
    [JsonPropertyName("object_id")] public string? ObjectId { get; set; }
    [JsonPropertyName("object_name")] public string? ObjectName { get; set; }
    /// <summary>"allow" or "deny" for requests.</summary>
    [JsonPropertyName("decision")] public string? Decision { get; set; }
    [JsonPropertyName("rule")] public string? Rule { get; set; }
    [JsonPropertyName("status")] public int? Status { get; set; }
    [JsonPropertyName("duration_ms")] public double? DurationMs { get; set; }
    [JsonPropertyName("message")] public string? Message { get; set; }
    /// <summary>SHA-256 (hex) of the previous entry; 64 zeros for the first entry of a new log.</summary>
    [JsonPropertyName("prev")] public string Prev { get; set; } = "";
}

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(AuditEntry))]
internal sealed partial class AuditJsonContext : JsonSerializerContext;
