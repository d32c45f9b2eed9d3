using Microsoft.Extensions.Hosting;
using Moat.Engine.Events;
using Moat.Security.Audit;

namespace Moat.Api.Security;

/// <summary>
/// Records every state change the engine publishes (container start/die, volume create…) in the audit log, and
/// closes the daemon's part of the log with a "daemon.stop" entry when it shuts down cleanly.
/// </summary>
public sealed class AuditEventRecorder(AuditLog audit, EventBus? events = null, IHostApplicationLifetime? lifetime = null) : BackgroundService
{
    /// <summary>How long shutdown waits for the stop entry to be on disk.</summary>
    private static readonly TimeSpan StopEntryTimeout = TimeSpan.FromSeconds(5);

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        // ApplicationStopped comes after every hosted service stopped (the listeners closed, the last request was
        // recorded) and before the log is closed: the stop entry is the last one this daemon writes.
        lifetime?.ApplicationStopped.Register(RecordStop);
        return base.StartAsync(cancellationToken);
    }

    private void RecordStop()
    {
        try
        {
            audit.AppendAsync(new AuditEntry { Kind = "daemon", Action = "daemon.stop" }).Wait(StopEntryTimeout);
        }
        catch (AggregateException)
        {
            // The writer already reported the failure; shutdown goes on.
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (events is null) return;
        using var subscription = events.Subscribe();
        try
        {
            await foreach (var e in subscription.Reader.ReadAllAsync(stoppingToken))
            {
                _ = audit.Record(new AuditEntry
                {
                    Kind = "event",
                    Time = e.Time.UtcDateTime.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
                    User = e.Owner,
                    Action = $"{e.Type}.{e.Action}",
                    ObjectId = e.ActorId,
                    ObjectName = e.Attributes.TryGetValue("name", out var name) ? name : null,
                });
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
