using Microsoft.Extensions.Logging;

namespace Moat.Daemon.Hosting.Logging;

/// <summary>
/// The daemon's current minimum level (<see cref="Configuration.DaemonSettings.MinimumLogLevel"/>); SIGHUP with `debug`
/// toggled changes it at run time.
/// </summary>
public sealed class LogLevelSwitch(LogLevel level)
{
    private volatile int _level = (int)level;

    public LogLevel Level
    {
        get => (LogLevel)_level;
        set => _level = (int)value;
    }
}
