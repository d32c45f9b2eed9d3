using Microsoft.Extensions.Logging;

namespace Moat.Daemon.Hosting.Logging;

/// <summary>The daemon's current minimum level; SIGHUP with `debug` toggled changes it at run time.</summary>
public sealed class LogLevelSwitch(LogLevel level)
{
    private volatile int _level = (int)level;

    public LogLevel Level
    {
        get => (LogLevel)_level;
        set => _level = (int)value;
    }

    /// <summary>dockerd's -l values (logrus names); `debug` (-D) wins over the level, as in dockerd.</summary>
    public static LogLevel Parse(string? level, bool debug)
    {
        if (debug) return LogLevel.Debug;
        return (level ?? "info").ToLowerInvariant() switch
        {
            "trace" => LogLevel.Trace,
            "debug" => LogLevel.Debug,
            "info" or "" => LogLevel.Information,
            "warn" or "warning" => LogLevel.Warning,
            "error" => LogLevel.Error,
            "fatal" or "panic" => LogLevel.Critical,
            _ => LogLevel.Information,
        };
    }
}
