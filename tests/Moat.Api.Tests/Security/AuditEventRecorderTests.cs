using Moat.Api.Security;
using Moat.Engine.Events;
using Moat.Security.Audit;

namespace Moat.Api.Tests.Security;

public sealed class AuditEventRecorderTests
{
    [Fact]
    public async Task PublishedEvent_BecomesChainedAuditEntry()
    {
        string dir = Directory.CreateTempSubdirectory("moat-audit-events-").FullName;
        try
        {
            string path = Path.Combine(dir, "audit.log");
            var bus = new EventBus(TimeProvider.System);
            await using (var audit = AuditLog.Open(path))
            {
                using var recorder = new AuditEventRecorder(audit, bus);
                await recorder.StartAsync(TestContext.Current.CancellationToken);
                await Task.Delay(100, TestContext.Current.CancellationToken);

                bus.Publish("container", "start", "3f2a9c", new Dictionary<string, string> { ["name"] = "web", ["image"] = "busybox" }, owner: "alice");

                for (int i = 0; i < 200 && !(File.Exists(path) && File.ReadAllText(path).Contains("container.start")); i++)
                    await Task.Delay(25, TestContext.Current.CancellationToken);
                await recorder.StopAsync(TestContext.Current.CancellationToken);
            }

            string line = File.ReadAllLines(path).Single(l => l.Contains("\"kind\":\"event\""));
            Assert.Contains("\"user\":\"alice\",\"action\":\"container.start\",\"object_id\":\"3f2a9c\",\"object_name\":\"web\"", line);
            Assert.True(AuditVerifier.Verify([path]).Intact);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public async Task ApplicationStopped_WritesTheStopEntryDurably_AsTheLastLine()
    {
        string dir = Directory.CreateTempSubdirectory("moat-audit-stop-").FullName;
        try
        {
            string path = Path.Combine(dir, "audit.log");
            var lifetime = new Microsoft.Extensions.Hosting.Internal.ApplicationLifetime(
                Microsoft.Extensions.Logging.Abstractions.NullLogger<Microsoft.Extensions.Hosting.Internal.ApplicationLifetime>.Instance);
            await using (var audit = AuditLog.Open(path))
            {
                using var recorder = new AuditEventRecorder(audit, events: null, lifetime);
                await recorder.StartAsync(TestContext.Current.CancellationToken);
                _ = audit.Record(new AuditEntry { Kind = "event", Action = "container.start" });
                await recorder.StopAsync(TestContext.Current.CancellationToken);
                Assert.DoesNotContain("daemon.stop", File.ReadAllText(path), StringComparison.Ordinal);

                // NotifyStopped returns only once the entry is written and fsynced.
                lifetime.NotifyStopped();
                Assert.EndsWith("\n", File.ReadAllText(path), StringComparison.Ordinal);
                Assert.Contains("\"kind\":\"daemon\",\"action\":\"daemon.stop\"", File.ReadAllLines(path)[^1]);
            }
            Assert.Equal(2, File.ReadAllLines(path).Length);
            Assert.True(AuditVerifier.Verify([path]).Intact);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}
