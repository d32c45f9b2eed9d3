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
}
