using Microsoft.Extensions.Logging;
using Moat.Security.Policy;

namespace Moat.Api.Security;

/// <summary>
/// Holds the current policy. Loaded at start (a missing or broken file refuses to start: fail closed);
/// <see cref="Reload"/> (on SIGHUP) swaps in a new one atomically, or keeps the old one and logs why.
/// </summary>
public sealed partial class PolicyStore
{
    private readonly ILogger<PolicyStore> _logger;
    private volatile AuthorizationPolicy _current;

    /// <exception cref="PolicyException">The file is missing or invalid.</exception>
    public PolicyStore(string path, ILogger<PolicyStore> logger)
    {
        Path = path;
        _logger = logger;
        _current = AuthorizationPolicy.Load(path);
        LogLoaded(_logger, path, _current.Roles.Count);
    }

    public string Path { get; }
    public AuthorizationPolicy Current => _current;

    /// <summary>Re-reads the file; true when the new policy is in force, false when the old one was kept.</summary>
    public bool Reload()
    {
        try
        {
            var next = AuthorizationPolicy.Load(Path);
            _current = next;
            LogLoaded(_logger, Path, next.Roles.Count);
            return true;
        }
        catch (PolicyException e)
        {
            LogReloadFailed(_logger, e.Message);
            return false;
        }
    }

    [LoggerMessage(EventId = 6001, Level = LogLevel.Information, Message = "Authorization policy loaded from {Path} ({Roles} roles)")]
    private static partial void LogLoaded(ILogger logger, string path, int roles);

    [LoggerMessage(EventId = 6002, Level = LogLevel.Error, Message = "Error reloading authorization policy, keeping the previous one: {Reason}")]
    private static partial void LogReloadFailed(ILogger logger, string reason);
}
