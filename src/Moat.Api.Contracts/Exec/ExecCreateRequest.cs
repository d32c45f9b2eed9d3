namespace Moat.Api.Contracts.Exec;

/// <summary>POST /containers/{id}/exec body.</summary>
public sealed class ExecCreateRequest
{
    public bool AttachStdin { get; set; }
    public bool AttachStdout { get; set; }
    public bool AttachStderr { get; set; }
    /// <summary>[height, width].</summary>
    public List<uint>? ConsoleSize { get; set; }
    public string? DetachKeys { get; set; }
    public bool Tty { get; set; }
    public List<string>? Env { get; set; }
    public List<string>? Cmd { get; set; }
    public bool Privileged { get; set; }
    public string? User { get; set; }
    public string? WorkingDir { get; set; }
}

public sealed class ExecCreateResponse
{
    public string Id { get; set; } = "";
}

/// <summary>POST /exec/{id}/start body.</summary>
public sealed class ExecStartRequest
{
    public bool Detach { get; set; }
    public bool Tty { get; set; }
    public List<uint>? ConsoleSize { get; set; }
}
