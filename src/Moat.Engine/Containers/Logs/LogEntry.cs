namespace Moat.Engine.Containers.Logs;

/// <summary>One log message: which stream, when, and the bytes (line ending included).</summary>
public readonly record struct LogEntry(LogStream Stream, DateTimeOffset Time, byte[] Line);

public enum LogStream : byte
{
    Stdin = 0,
    Stdout = 1,
    Stderr = 2,
}

/// <summary>docker logs options.</summary>
public sealed record LogReadOptions
{
    public bool Stdout { get; init; } = true;
    public bool Stderr { get; init; } = true;
    public DateTimeOffset? Since { get; init; }
    public DateTimeOffset? Until { get; init; }
    /// <summary>-1 = all.</summary>
    public int Tail { get; init; } = -1;
    public bool Follow { get; init; }
}
