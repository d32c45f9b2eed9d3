using Microsoft.Extensions.Hosting;
using Moat.Daemon.Listeners;

namespace Moat.Daemon.Hosting;

/// <summary>
/// Polls the TLS files' mtime and size every few seconds and reloads them when they change, so `cp new-cert.pem
/// cert.pem` (or certbot/cert-manager renewals) take effect without SIGHUP. Polling instead of inotify: it also works
/// for files replaced by rename and for paths on network filesystems.
/// </summary>
public sealed class TlsFileWatcher(ListenerSet listeners, SettingsHolder settings, TimeProvider time) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(2);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (listeners.Tls is not { } store) return;
        using var timer = new PeriodicTimer(Interval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
                store.ReloadIfChanged(settings.Current);
        }
        catch (OperationCanceledException)
        {
        }
    }
}
