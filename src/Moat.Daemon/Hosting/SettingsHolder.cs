using Moat.Daemon.Configuration;

namespace Moat.Daemon.Hosting;

/// <summary>
/// The daemon's live settings. Services read <see cref="Current"/> (or subscribe to <see cref="Changed"/>) instead of
/// keeping the start-up copy, so that SIGHUP reloads reach them. Only dockerd's reloadable keys change (§1.1, §1.4);
/// everything else keeps its start-up value until a restart.
/// </summary>
public sealed class SettingsHolder(DaemonSettings initial)
{
    private DaemonSettings _current = initial;

    public DaemonSettings Current => Volatile.Read(ref _current);

    /// <summary>Raised after a reload with (old, new).</summary>
    public event Action<DaemonSettings, DaemonSettings>? Changed;

    /// <summary>Takes the reloadable keys from <paramref name="loaded"/>; returns the settings now in effect.</summary>
    public DaemonSettings Apply(DaemonSettings loaded)
    {
        var old = Current;
        var next = old with
        {
            Debug = loaded.Debug,
            Labels = loaded.Labels,
            LiveRestore = loaded.LiveRestore,
            DefaultRuntime = loaded.DefaultRuntime,
            Runtimes = loaded.Runtimes,
            InsecureRegistries = loaded.InsecureRegistries,
            RegistryMirrors = loaded.RegistryMirrors,
            AuthorizationPolicy = loaded.AuthorizationPolicy,
        };
        Volatile.Write(ref _current, next);
        Changed?.Invoke(old, next);
        return next;
    }
}
