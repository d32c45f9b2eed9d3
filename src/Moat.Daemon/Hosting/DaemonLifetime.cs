using System.Runtime.InteropServices;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Moat.Daemon.Listeners;

namespace Moat.Daemon.Hosting;

/// <summary>
/// Replaces the console lifetime with dockerd's trap (cmd/dockerd/trap): SIGINT/SIGTERM start a graceful shutdown
/// (STOPPING=1 to systemd), the third one exits at once with 128+signal; SIGHUP reloads the configuration.
/// </summary>
public sealed partial class DaemonLifetime(
    IHostApplicationLifetime application,
    SdNotify notify,
    Func<Task> reload,
    ILogger<DaemonLifetime> logger) : IHostLifetime, IDisposable
{
    private readonly List<PosixSignalRegistration> _registrations = [];
    private int _interrupts;

    public Task WaitForStartAsync(CancellationToken cancellationToken)
    {
        _registrations.Add(PosixSignalRegistration.Create(PosixSignal.SIGINT, OnStop));
        _registrations.Add(PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnStop));
        _registrations.Add(PosixSignalRegistration.Create(PosixSignal.SIGHUP, OnReload));
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private void OnStop(PosixSignalContext context)
    {
        context.Cancel = true;
        int signal = context.Signal == PosixSignal.SIGINT ? 2 : 15;
        int count = Interlocked.Increment(ref _interrupts);
        if (count == 1)
        {
            Log.ShuttingDown(logger, signal == 2 ? "interrupt" : "terminated");
            notify.Stopping();
            // Off the signal thread: stopping runs callbacks synchronously, and later signals must still be counted.
            ThreadPool.UnsafeQueueUserWorkItem(_ => application.StopApplication(), null);
        }
        else if (count >= 3)
        {
            Log.Forcing(logger);
            Environment.Exit(128 + signal);
        }
    }

    private void OnReload(PosixSignalContext context)
    {
        context.Cancel = true;
        _ = Task.Run(async () =>
        {
            try { await reload(); }
            catch (Exception e) { Log.ReloadCrashed(logger, e); }
        });
    }

    public void Dispose()
    {
        foreach (var r in _registrations) r.Dispose();
        _registrations.Clear();
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 2101, Level = LogLevel.Information, Message = "Processing signal '{Signal}'")]
        public static partial void ShuttingDown(ILogger logger, string signal);

        [LoggerMessage(EventId = 2102, Level = LogLevel.Information, Message = "Forcing docker daemon shutdown without cleanup; 3 interrupts received")]
        public static partial void Forcing(ILogger logger);

        [LoggerMessage(EventId = 2103, Level = LogLevel.Error, Message = "Error reloading configuration")]
        public static partial void ReloadCrashed(ILogger logger, Exception exception);
    }
}
