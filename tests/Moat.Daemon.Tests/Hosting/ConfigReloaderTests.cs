using Microsoft.Extensions.Logging;
using Moat.Daemon.Configuration;
using Moat.Daemon.Hosting;
using Moat.Daemon.Hosting.Logging;
using Moat.Daemon.Listeners;
using Moat.Engine.Events;

namespace Moat.Daemon.Tests.Hosting;

public sealed class ConfigReloaderTests
{
    private readonly StringWriter _log = new();
    private readonly LogLevelSwitch _level = new(LogLevel.Information);
    private readonly EventBus _events = new(TimeProvider.System);

    private ConfigReloader Reloader(SettingsHolder holder, Func<DaemonSettings> load)
    {
        var provider = new DaemonLoggerProvider(_level, "text", _log);
        var factory = LoggerFactory.Create(b => b.AddProvider(provider).SetMinimumLevel(LogLevel.Trace));
        return new ConfigReloader(holder, load, null, _events, new DaemonIdentity("ENGINE-ID"), new SdNotify(null), _level, factory.CreateLogger<ConfigReloader>());
    }

    [Fact]
    public async Task Reload_Success_AppliesDebug_PublishesDaemonReloadEvent()
    {
        var holder = new SettingsHolder(new DaemonSettings());
        using var subscription = _events.Subscribe();

        bool ok = await Reloader(holder, () => new DaemonSettings { Debug = true, Labels = ["x=y"] }).ReloadAsync();

        Assert.True(ok);
        Assert.True(holder.Current.Debug);
        Assert.Equal(LogLevel.Debug, _level.Level);
        Assert.True(subscription.Reader.TryRead(out var e));
        Assert.Equal(("daemon", "reload", "ENGINE-ID"), (e!.Type, e.Action, e.ActorId));
        Assert.Equal("true", e.Attributes["debug"]);
        Assert.Equal("[x=y]", e.Attributes["labels"]);
        Assert.Contains("msg=\"Got signal to reload configuration\" config-file=/etc/docker/daemon.json", _log.ToString());
    }

    [Fact]
    public async Task Reload_BadConfig_KeepsOld_LogsError_NoEvent()
    {
        var original = new DaemonSettings { Labels = ["keep=me"] };
        var holder = new SettingsHolder(original);
        using var subscription = _events.Subscribe();

        bool ok = await Reloader(holder, () => throw new ConfigurationException("invalid character 'x' looking for beginning of value")).ReloadAsync();

        Assert.False(ok);
        Assert.Same(original, holder.Current);
        Assert.False(subscription.Reader.TryRead(out _));
        Assert.Contains("level=error msg=\"Error reloading configuration: invalid character 'x' looking for beginning of value\"", _log.ToString());
    }
}
