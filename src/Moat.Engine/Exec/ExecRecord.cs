namespace Moat.Engine.Exec;

/// <summary>An exec instance (docker exec): created, then started once; kept for inspection after it ends.</summary>
public sealed class ExecRecord
{
    public required string Id { get; init; }
    public required string ContainerId { get; init; }
    public string? Owner { get; init; }
    public required IReadOnlyList<string> Cmd { get; init; }
    public IReadOnlyList<string> Env { get; init; } = [];
    public string User { get; init; } = "";
    public string WorkingDir { get; init; } = "";
    public bool Privileged { get; init; }
    public bool Tty { get; set; }
    public bool AttachStdin { get; init; }
    public bool AttachStdout { get; init; }
    public bool AttachStderr { get; init; }
    public string DetachKeys { get; init; } = "";
    public (int Height, int Width)? ConsoleSize { get; set; }

    public bool Running { get; internal set; }
    /// <summary>Set once started; an exec runs at most once.</summary>
    public bool Started { get; internal set; }
    public int? ExitCode { get; internal set; }
    public int Pid { get; internal set; }
    public DateTimeOffset? FinishedAt { get; internal set; }
    public bool CanRemove => Started && !Running;
}
