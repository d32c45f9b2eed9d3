using Microsoft.Extensions.Hosting;
using Moat.Engine.Events;
using Moat.Security.Audit;

namespace Moat.Api.Security;

/// <summary>Records every state change the engine publishes (container start/die, volume create…) in the audit log.</summary>
public sealed class AuditEventRecorder(AuditLog audit, EventBus? events = null) : BackgroundService
{
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
