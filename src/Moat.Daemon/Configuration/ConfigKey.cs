namespace Moat.Daemon.Configuration;

/// <summary>
/// One daemon.json key moatd accepts. <see cref="Flag"/> is the flag that sets the same option (a conflict when both are given).
/// To add a key: add a row to <see cref="ConfigKeys.All"/>, a property to <see cref="DaemonSettings"/> and a line in
/// <see cref="DaemonConfigLoader"/>'s <c>Build</c>, and document it in docs/configuration.md.
/// </summary>
internal sealed record ConfigKey(string Name, ConfigValueType Type, string? Flag)
{
    /// <summary>Takes effect on SIGHUP without a restart.</summary>
    public bool Reloadable { get; init; }

    /// <summary>Not a dockerd key.</summary>
    public bool MoatOnly { get; init; }
}
