using System.Text.Json;
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

/// <summary>
/// Writes an entry as the log's line body, field by field with pre-encoded names: what the source-generated
/// serializer writes (same names, order, null fields left out), at a fraction of its cost on the writer's hot path.
/// </summary>
internal static class AuditEntryWriter
{
    private static readonly JsonEncodedText Seq = JsonEncodedText.Encode("seq"), Time = JsonEncodedText.Encode("time"),
        Kind = JsonEncodedText.Encode("kind"), RequestId = JsonEncodedText.Encode("request_id"), User = JsonEncodedText.Encode("user"),
        Groups = JsonEncodedText.Encode("groups"), Auth = JsonEncodedText.Encode("auth"), Uid = JsonEncodedText.Encode("uid"),
        Gid = JsonEncodedText.Encode("gid"), Pid = JsonEncodedText.Encode("pid"), CertSerial = JsonEncodedText.Encode("cert_serial"),
        CertFingerprint = JsonEncodedText.Encode("cert_sha256"), Transport = JsonEncodedText.Encode("transport"),
        Remote = JsonEncodedText.Encode("remote"), Method = JsonEncodedText.Encode("method"), Action = JsonEncodedText.Encode("action"),
        ObjectId = JsonEncodedText.Encode("object_id"), ObjectName = JsonEncodedText.Encode("object_name"),
        Decision = JsonEncodedText.Encode("decision"), Rule = JsonEncodedText.Encode("rule"), Status = JsonEncodedText.Encode("status"),
        DurationMs = JsonEncodedText.Encode("duration_ms"), Message = JsonEncodedText.Encode("message"), Prev = JsonEncodedText.Encode("prev");

    public static void Write(Utf8JsonWriter w, AuditEntry e)
    {
        w.WriteStartObject();
        w.WriteNumber(Seq, e.Seq);
        w.WriteString(Time, e.Time);
        w.WriteString(Kind, e.Kind);
        Optional(w, RequestId, e.RequestId);
        Optional(w, User, e.User);
        if (e.Groups is { } groups)
        {
            w.WriteStartArray(Groups);
            foreach (var g in groups) w.WriteStringValue(g);
            w.WriteEndArray();
        }
        Optional(w, Auth, e.Auth);
        if (e.Uid is { } uid) w.WriteNumber(Uid, uid);
        if (e.Gid is { } gid) w.WriteNumber(Gid, gid);
        if (e.Pid is { } pid) w.WriteNumber(Pid, pid);
        Optional(w, CertSerial, e.CertSerial);
        Optional(w, CertFingerprint, e.CertFingerprint);
        Optional(w, Transport, e.Transport);
        Optional(w, Remote, e.Remote);
        Optional(w, Method, e.Method);
        Optional(w, Action, e.Action);
        Optional(w, ObjectId, e.ObjectId);
        Optional(w, ObjectName, e.ObjectName);
        Optional(w, Decision, e.Decision);
        Optional(w, Rule, e.Rule);
        if (e.Status is { } status) w.WriteNumber(Status, status);
        if (e.DurationMs is { } duration) w.WriteNumber(DurationMs, duration);
        Optional(w, Message, e.Message);
        w.WriteString(Prev, e.Prev);
        w.WriteEndObject();
    }

    private static void Optional(Utf8JsonWriter w, JsonEncodedText name, string? value)
    {
        if (value is not null) w.WriteString(name, value);
    }
}
