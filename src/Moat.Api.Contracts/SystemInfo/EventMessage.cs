using System.Text.Json.Serialization;

namespace Moat.Api.Contracts.SystemInfo;

/// <summary>
/// One line of GET /events (dockerd's events.Message). <c>status</c>, <c>id</c> and <c>from</c> are the
/// pre-1.22 fields dockerd still fills for container and image events (old CLIs and compose read them).
/// </summary>
public sealed class EventMessage
{
    [JsonPropertyName("status")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Status { get; set; }

    [JsonPropertyName("id")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Id { get; set; }

    [JsonPropertyName("from")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? From { get; set; }

    public string Type { get; set; } = "";
    public string Action { get; set; } = "";
    public EventActor Actor { get; set; } = new();

    [JsonPropertyName("scope")]
    public string Scope { get; set; } = "local";

    [JsonPropertyName("time")]
    public long Time { get; set; }

    [JsonPropertyName("timeNano")]
    public long TimeNano { get; set; }
}

public sealed class EventActor
{
    public string ID { get; set; } = "";
    public SortedDictionary<string, string> Attributes { get; set; } = new(StringComparer.Ordinal);
}
