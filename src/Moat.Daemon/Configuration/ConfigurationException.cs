namespace Moat.Daemon.Configuration;

/// <summary>A configuration the daemon refuses to start with; the message is printed as is.</summary>
public sealed class ConfigurationException(string message, int exitCode = 1) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
}
