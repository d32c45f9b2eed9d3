using System.Text.Json.Serialization;

namespace Moat.Engine.Containers.Logs;

/// <summary>A json-file log line: {"log":"hi\n","stream":"stdout","time":"2024-01-01T00:00:00.000000001Z"}.</summary>
public sealed class JsonLogLine
{
    [JsonPropertyName("log")]
    public string Log { get; set; } = "";

    [JsonPropertyName("stream")]
    public string Stream { get; set; } = "";

    [JsonPropertyName("time")]
    public DateTime Time { get; set; }
}

[JsonSerializable(typeof(JsonLogLine))]
internal sealed partial class LogJsonContext : JsonSerializerContext;
