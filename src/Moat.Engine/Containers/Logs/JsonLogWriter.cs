using System.Text;
using System.Text.Json;

namespace Moat.Engine.Containers.Logs;

/// <summary>
/// Appends json-file log lines, rotating at max-size into path.1 … path.(max-file-1) as dockerd's json-file driver.
/// Used by runtimes that hand moatd the container's output streams.
/// </summary>
public sealed class JsonLogWriter : IDisposable
{
    private readonly string _path;
    private readonly long _maxSize;
    private readonly int _maxFiles;
    private readonly object _gate = new();
    private FileStream _file;

    public JsonLogWriter(string path, IReadOnlyDictionary<string, string>? options = null)
    {
        _path = path;
        _maxSize = options is not null && options.TryGetValue("max-size", out var s) ? ParseSize(s) : -1;
        _maxFiles = options is not null && options.TryGetValue("max-file", out var f) && int.TryParse(f, out int n) && n > 0 ? n : 1;
        _file = Open();
    }

    private FileStream Open() => new(_path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete, 1);

    /// <summary>"10m", "1k", "5g", "100" → bytes.</summary>
    public static long ParseSize(string text)
    {
        text = text.Trim().ToLowerInvariant();
        if (text.EndsWith('b')) text = text[..^1];
        long mult = 1;
        if (text.EndsWith('k')) { mult = 1024; text = text[..^1]; }
        else if (text.EndsWith('m')) { mult = 1024 * 1024; text = text[..^1]; }
        else if (text.EndsWith('g')) { mult = 1024L * 1024 * 1024; text = text[..^1]; }
        if (!double.TryParse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out double v) || v <= 0)
            throw new Errors.InvalidArgumentException($"invalid size: '{text}'");
        return (long)(v * mult);
    }

    public void Write(LogStream stream, DateTimeOffset time, ReadOnlySpan<byte> line)
    {
        var entry = new JsonLogLine { Log = Encoding.UTF8.GetString(line), Stream = stream == LogStream.Stderr ? "stderr" : "stdout", Time = time.UtcDateTime };
        byte[] bytes = JsonSerializer.SerializeToUtf8Bytes(entry, LogJsonContext.Default.JsonLogLine);
        lock (_gate)
        {
            if (_maxSize > 0 && _file.Length + bytes.Length + 1 > _maxSize && _file.Length > 0) Rotate();
            _file.Write(bytes);
            _file.WriteByte((byte)'\n');
            _file.Flush();
        }
    }

    private void Rotate()
    {
        _file.Dispose();
        if (_maxFiles <= 1)
        {
            File.WriteAllBytes(_path, []);
        }
        else
        {
            File.Delete($"{_path}.{_maxFiles - 1}");
            for (int i = _maxFiles - 2; i >= 1; i--)
                if (File.Exists($"{_path}.{i}")) File.Move($"{_path}.{i}", $"{_path}.{i + 1}", true);
            File.Move(_path, $"{_path}.1", true);
        }
        _file = Open();
    }

    public void Dispose()
    {
        lock (_gate) _file.Dispose();
    }
}
