using System.Text.Json.Serialization;

namespace Moat.Api.Contracts.Exec;

/// <summary>GET /exec/{id}/json.</summary>
public sealed class ExecInspectResponse
{
    public bool CanRemove { get; set; }
    public string? DetachKeys { get; set; }
    public string ID { get; set; } = "";
    public bool Running { get; set; }
    public int? ExitCode { get; set; }
    public ExecProcessConfig ProcessConfig { get; set; } = new();
    public bool OpenStdin { get; set; }
    public bool OpenStderr { get; set; }
    public bool OpenStdout { get; set; }
    public string ContainerID { get; set; } = "";
    public int Pid { get; set; }
}

public sealed class ExecProcessConfig
{
    [JsonPropertyName("arguments")] public List<string> Arguments { get; set; } = [];
    [JsonPropertyName("entrypoint")] public string Entrypoint { get; set; } = "";
    [JsonPropertyName("privileged")] public bool Privileged { get; set; }
    [JsonPropertyName("tty")] public bool Tty { get; set; }
    [JsonPropertyName("user")] public string? User { get; set; }
}
