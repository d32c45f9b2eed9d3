using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Moat.Daemon.Configuration;
using Moat.Daemon.Hosting.Logging;
using Moat.Daemon.Listeners;
using Moat.Engine.Events;

namespace Moat.Daemon.Hosting;

/// <summary>
/// SIGHUP (§1.4): 1. tell systemd RELOADING=1, 2. re-read flags + daemon.json with the loader, 3. on success apply the
/// reloadable keys, the debug level, the TLS files and the authorization policy, and publish a daemon `reload` event, 4. READY=1.
/// A configuration that does not load keeps the old one and logs `Error reloading configuration: …`.
/// </summary>
public sealed partial class ConfigReloader(
    SettingsHolder holder,
    Func<DaemonSettings> load,
    TlsCertificateStore? tls,
    EventBus events,
    DaemonIdentity identity,
    SdNotify notify,
    LogLevelSwitch level,
    ILogger<ConfigReloader> logger,
    Moat.Api.Security.PolicyStore? policies = null)
{
    private readonly SemaphoreSlim _gate = new(1, 1);

    public async Task<bool> ReloadAsync()
    {
        await _gate.WaitAsync();
        try
        {
            notify.Reloading();
            Log.GotSignal(logger, holder.Current.ConfigFile);
            DaemonSettings loaded;
            try
            {
                loaded = load();
            }
            catch (Exception e) when (e is ConfigurationException or IOException or JsonException or UnauthorizedAccessException)
            {
                Log.ReloadFailed(logger, e.Message);
                return false;
            }
            var now = holder.Apply(loaded);
            level.Level = now.MinimumLogLevel;
            tls?.Reload(now, "SIGHUP");
            // A broken policy keeps the one in force (PolicyStore logs why): authorization never fails open.
            policies?.Reload();
            events.Publish("daemon", "reload", identity.Id, Attributes(now));
            Log.Reloaded(logger);
            return true;
        }
        finally
        {
            notify.Ready();
            _gate.Release();
        }
    }

    /// <summary>The attributes dockerd's reload event carries (daemon/reload.go), plus the host name.</summary>
    public static Dictionary<string, string> Attributes(DaemonSettings s) => new()
    {
        ["debug"] = s.Debug ? "true" : "false",
        ["default-runtime"] = s.DefaultRuntime,
        ["insecure-registries"] = "[" + string.Join(" ", s.InsecureRegistries) + "]",
        ["labels"] = "[" + string.Join(" ", s.Labels) + "]",
        ["live-restore"] = s.LiveRestore ? "true" : "false",
        ["max-concurrent-downloads"] = "3",
        ["max-concurrent-uploads"] = "5",
        ["max-download-attempts"] = "5",
        ["registry-mirrors"] = "[" + string.Join(" ", s.RegistryMirrors) + "]",
        ["runtimes"] = string.Join(" ", s.Runtimes.Keys.Append("runc").Distinct().Order(StringComparer.Ordinal)),
        ["shutdown-timeout"] = "15",
        ["name"] = Environment.MachineName.ToString(CultureInfo.InvariantCulture),
    };

    private static partial class Log
    {
#pragma warning disable SYSLIB1015 // extra arguments become logrus-style fields
        [LoggerMessage(EventId = 2001, Level = LogLevel.Information, Message = "Got signal to reload configuration")]
        public static partial void GotSignal(ILogger logger, string config_file);
#pragma warning restore SYSLIB1015

        [LoggerMessage(EventId = 2002, Level = LogLevel.Error, Message = "Error reloading configuration: {Error}")]
        public static partial void ReloadFailed(ILogger logger, string error);

        [LoggerMessage(EventId = 2003, Level = LogLevel.Information, Message = "Reloaded configuration")]
        public static partial void Reloaded(ILogger logger);
    }
}

/// <summary>The engine ID (actor of daemon events).</summary>
public sealed record DaemonIdentity(string Id);
