using Moat.Api.SystemInfo;
using Moat.Daemon.Configuration;

namespace Moat.Daemon.Hosting;

/// <summary>What GET /info reports from the daemon's settings (the API does not see DaemonSettings).</summary>
public static class DaemonFactsFromSettings
{
    public static DaemonFacts ToDaemonFacts(this DaemonSettings settings) => new()
    {
        DataRoot = settings.DataRoot,
        Debug = settings.Debug,
        Labels = settings.Labels,
        LiveRestore = settings.LiveRestore,
        DefaultRuntime = settings.DefaultRuntime,
        Runtimes = settings.Runtimes.ToDictionary(r => r.Key, r => new DaemonRuntime(r.Value.Path, r.Value.RuntimeArgs)),
        NoNewPrivileges = settings.NoNewPrivileges,
        SeccompProfile = settings.SeccompProfile,
        UsernsRemap = settings.UsernsRemap,
        LoggingDriver = settings.LogDriver,
        InsecureRegistries = settings.InsecureRegistries,
        RegistryMirrors = settings.RegistryMirrors,
        AuthorizationConfigured = settings.AuthorizationPolicy is not null,
    };
}

/// <summary>/info's facts kept in step with <see cref="SettingsHolder.Current"/> (rebuilt once per SIGHUP, not per request).</summary>
public sealed class LiveDaemonFacts
{
    private DaemonFacts _current;

    /// <param name="engineId">The ID loaded once at start (<see cref="EngineId"/>); the same one daemon events carry.</param>
    public LiveDaemonFacts(SettingsHolder holder, string engineId)
    {
        _current = holder.Current.ToDaemonFacts() with { EngineId = engineId };
        holder.Changed += (_, now) => Volatile.Write(ref _current, now.ToDaemonFacts() with { EngineId = engineId });
    }

    public DaemonFacts Current => Volatile.Read(ref _current);
}
