using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace Moat.Daemon.Hosting.Logging;

/// <summary>
/// Console logging shaped like dockerd's logrus output on stderr, so log scrapers written for dockerd keep working:
/// text: <c>time="2026-01-02T03:04:05.123456789Z" level=info msg="API listen on /run/docker.sock" host=…</c>;
/// json: <c>{"host":"…","level":"info","msg":"…","time":"…"}</c>. Template arguments that do not appear in the
/// message text are written as fields. AOT-safe: Utf8JsonWriter, no reflection.
/// </summary>
public sealed class DaemonLoggerProvider : ILoggerProvider
{
    private readonly ConcurrentDictionary<string, Logger> _loggers = new();
    private readonly object _writeGate = new();
    private readonly TextWriter _output;
    private readonly bool _json;

    public DaemonLoggerProvider(LogLevelSwitch level, string format, TextWriter? output = null)
    {
        Level = level;
        _json = string.Equals(format, "json", StringComparison.OrdinalIgnoreCase);
        _output = output ?? Console.Error;
    }

    public LogLevelSwitch Level { get; }

    public ILogger CreateLogger(string categoryName) => _loggers.GetOrAdd(categoryName, name => new Logger(this, name));

    public void Dispose() => _output.Flush();

    internal static string LevelName(LogLevel level) => level switch
    {
        LogLevel.Trace => "trace",
        LogLevel.Debug => "debug",
        LogLevel.Information => "info",
        LogLevel.Warning => "warning",
        LogLevel.Error => "error",
        _ => "fatal",
    };

    /// <summary>Formats one entry; public for tests.</summary>
    public string Format(DateTimeOffset time, LogLevel level, string message, IReadOnlyList<KeyValuePair<string, string>> fields, Exception? exception)
    {
        string stamp = time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);
        if (exception is not null) fields = [.. fields, new("error", exception.Message)];
        if (_json)
        {
            using var buffer = new MemoryStream();
            using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
            {
                w.WriteStartObject();
                foreach (var (k, v) in fields.OrderBy(f => f.Key, StringComparer.Ordinal)) w.WriteString(k, v);
                w.WriteString("level", LevelName(level));
                w.WriteString("msg", message);
                w.WriteString("time", stamp);
                w.WriteEndObject();
            }
            return Encoding.UTF8.GetString(buffer.ToArray());
        }
        var sb = new StringBuilder();
        sb.Append("time=\"").Append(stamp).Append("\" level=").Append(LevelName(level)).Append(" msg=").Append(NeedsQuote(message) ? Quote(message) : message);
        foreach (var (k, v) in fields) sb.Append(' ').Append(k).Append('=').Append(NeedsQuote(v) ? Quote(v) : v);
        return sb.ToString();
    }

    private static bool NeedsQuote(string v) => v.Length == 0 || v.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '_' or '/' or '@' or '^' or '+'));

    private static string Quote(string v)
    {
        var sb = new StringBuilder(v.Length + 2).Append('"');
        foreach (char c in v)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                default: sb.Append(c); break;
            }
        }
        return sb.Append('"').ToString();
    }

    private void Write(string line)
    {
        lock (_writeGate)
        {
            _output.WriteLine(line);
            _output.Flush();
        }
    }

    private sealed class Logger(DaemonLoggerProvider provider, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None && logLevel >= provider.Level.Level;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel)) return;
            string message = formatter(state, exception);
            var fields = new List<KeyValuePair<string, string>>();
            if (state is IReadOnlyList<KeyValuePair<string, object?>> values)
            {
                string template = "";
                foreach (var (k, v) in values)
                    if (k == "{OriginalFormat}") template = v as string ?? "";
                foreach (var (k, v) in values)
                {
                    if (k == "{OriginalFormat}" || template.Contains("{" + k + "}", StringComparison.Ordinal)) continue;
                    fields.Add(new(k.Replace('_', '-'), Convert.ToString(v, CultureInfo.InvariantCulture) ?? ""));
                }
            }
            if (!category.StartsWith("Moat.", StringComparison.Ordinal) && logLevel >= LogLevel.Warning)
                fields.Add(new("module", category));
            provider.Write(provider.Format(DateTimeOffset.UtcNow, logLevel, message, fields, exception));
        }
    }
}
