namespace Moat.Daemon.Configuration;

/// <summary>A default ulimit for containers; <c>Hard == -1</c> means unlimited.</summary>
public sealed record UlimitSettings(string Name, long Soft, long Hard);
