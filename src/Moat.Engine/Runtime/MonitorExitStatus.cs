using System.Text.Json.Serialization;

namespace Moat.Engine.Runtime;

/// <summary>The exit file moat-shim writes when the container's init ends.</summary>
public sealed class MonitorExitStatus
{
    /// <summary>The exit status; 128 + signal when a signal killed it.</summary>
    [JsonPropertyName("exitCode")] public int ExitCode { get; set; }
    [JsonPropertyName("signal")] public int Signal { get; set; }
    [JsonPropertyName("finishedAt")] public DateTimeOffset FinishedAt { get; set; }
}
