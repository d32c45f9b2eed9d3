using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;

namespace Moat.Engine.Containers.Logs;

/// <summary>
/// Reads a json-file log (with its rotated siblings) and, when following, tails the live file until
/// <c>stop</c> completes and everything written before it has been read.
/// </summary>
public static class JsonLogReader
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(20);

    public static async IAsyncEnumerable<LogEntry> ReadAsync(string path, LogReadOptions options, Task stop, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        // 1. The history: rotated files oldest first, then the live file up to its current end.
        var files = new List<string>();
        for (int i = 1; File.Exists($"{path}.{i}"); i++) files.Insert(0, $"{path}.{i}");
        FileStream? live = File.Exists(path) ? OpenShared(path) : null;
        if (options.Tail != 0)
        {
            var history = new Queue<LogEntry>();
            foreach (var file in files)
            {
                using var rotated = OpenShared(file);
                await foreach (var e in ReadCompleteLines(rotated, new LineBuffer(), cancellationToken)) Keep(history, e, options);
            }
            if (live is not null)
            {
                var buffer = new LineBuffer();
                await foreach (var e in ReadCompleteLines(live, buffer, cancellationToken)) Keep(history, e, options);
                live.Position -= buffer.Pending;
            }
            foreach (var e in history) yield return e;
        }
        else if (live is not null)
        {
            live.Seek(0, SeekOrigin.End);
        }

        if (!options.Follow || live is null)
        {
            live?.Dispose();
            yield break;
        }

        // 2. Following: poll the live file; after `stop`, drain once more and end. Reopen on rotation.
        using (live)
        {
            var pending = new LineBuffer();
            var current = live;
            while (true)
            {
                bool stopped = stop.IsCompleted;
                await foreach (var e in ReadCompleteLines(current, pending, cancellationToken))
                    if (Wanted(e, options)) yield return e;
                if (options.Until is { } until && DateTimeOffset.UtcNow > until) break;
                if (stopped) break;
                if (File.Exists(path))
                {
                    try
                    {
                        var info = new FileInfo(path);
                        if (info.Length < current.Position)
                        {
                            if (!ReferenceEquals(current, live)) current.Dispose();
                            current = OpenShared(path);
                            pending = new LineBuffer();
                        }
                    }
                    catch (IOException) { }
                }
                try { await Task.WhenAny(stop, Task.Delay(PollInterval, cancellationToken)); }
                catch (OperationCanceledException) { yield break; }
                cancellationToken.ThrowIfCancellationRequested();
            }
            if (!ReferenceEquals(current, live)) current.Dispose();
        }
    }

    private static FileStream OpenShared(string path) =>
        new(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1, FileOptions.None);

    private static void Keep(Queue<LogEntry> history, LogEntry e, LogReadOptions options)
    {
        if (!Wanted(e, options)) return;
        history.Enqueue(e);
        if (options.Tail > 0 && history.Count > options.Tail) history.Dequeue();
    }

    private static bool Wanted(LogEntry e, LogReadOptions options)
    {
        if (e.Stream == LogStream.Stdout && !options.Stdout) return false;
        if (e.Stream == LogStream.Stderr && !options.Stderr) return false;
        if (options.Since is { } since && e.Time < since) return false;
        if (options.Until is { } until && e.Time > until) return false;
        return true;
    }

    private sealed class LineBuffer
    {
        public MemoryStream Partial { get; } = new();
        public int Pending => (int)Partial.Length;
    }

    private static async IAsyncEnumerable<LogEntry> ReadCompleteLines(FileStream file, LineBuffer buffer, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var chunk = new byte[64 * 1024];
        int n;
        while ((n = await file.ReadAsync(chunk, cancellationToken)) > 0)
        {
            int start = 0;
            for (int i = 0; i < n; i++)
            {
                if (chunk[i] != (byte)'\n') continue;
                byte[] line;
                if (buffer.Partial.Length > 0)
                {
                    buffer.Partial.Write(chunk, start, i - start);
                    line = buffer.Partial.ToArray();
                    buffer.Partial.SetLength(0);
                }
                else
                {
                    line = chunk.AsSpan(start, i - start).ToArray();
                }
                start = i + 1;
                if (TryParse(line, out var entry)) yield return entry;
            }
            if (start < n) buffer.Partial.Write(chunk, start, n - start);
            if (buffer.Partial.Length > 1024 * 1024) buffer.Partial.SetLength(0); // a corrupt line: drop it
        }
    }

    internal static bool TryParse(ReadOnlySpan<byte> line, out LogEntry entry)
    {
        entry = default;
        if (line.IsEmpty) return false;
        try
        {
            var parsed = JsonSerializer.Deserialize(line, LogJsonContext.Default.JsonLogLine);
            if (parsed is null) return false;
            entry = new LogEntry(parsed.Stream == "stderr" ? LogStream.Stderr : LogStream.Stdout, new DateTimeOffset(DateTime.SpecifyKind(parsed.Time.ToUniversalTime(), DateTimeKind.Utc)), Encoding.UTF8.GetBytes(parsed.Log));
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
