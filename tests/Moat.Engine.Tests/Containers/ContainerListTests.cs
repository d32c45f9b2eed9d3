using Moat.Engine.Containers;
using Moat.Engine.Errors;

namespace Moat.Engine.Tests.Containers;

public sealed class ContainerListTests
{
    private static Dictionary<string, IReadOnlyList<string>> F(string key, params string[] values) => new() { [key] = values };

    [Fact]
    public void List_FiltersAsDockerd()
    {
        using var dir = new ContainerTestDir();
        var store = dir.NewStore();
        var service = dir.NewService(store, dir.NewVolumes());
        var running = ContainerTestDir.Record("running-one");
        running.State.Status = ContainerStatus.Running;
        running.Created = DateTimeOffset.UtcNow.AddMinutes(-3);
        var exited = ContainerTestDir.Record("exited-one");
        exited.State.Status = ContainerStatus.Exited;
        exited.State.ExitCode = 2;
        exited.State.FinishedAt = DateTimeOffset.UtcNow;
        exited.Created = DateTimeOffset.UtcNow.AddMinutes(-2);
        var created = ContainerTestDir.Record("created-one");
        created.Created = DateTimeOffset.UtcNow.AddMinutes(-1);
        foreach (var r in new[] { running, exited, created }) store.Add(r);

        Assert.Equal([running.Id], service.List(new()).Select(r => r.Id));
        Assert.Equal([created.Id, exited.Id, running.Id], service.List(new() { All = true }).Select(r => r.Id));
        Assert.Equal([exited.Id], service.List(new() { Filters = F("status", "exited") }).Select(r => r.Id));
        Assert.Equal([exited.Id], service.List(new() { Filters = F("exited", "2") }).Select(r => r.Id));
        Assert.Equal([created.Id], service.List(new() { All = true, Filters = F("label", "app=created-one") }).Select(r => r.Id));
        Assert.Equal([created.Id], service.List(new() { All = true, Filters = F("since", "exited-one") }).Select(r => r.Id));
        Assert.Equal([running.Id], service.List(new() { All = true, Filters = F("before", "exited-one") }).Select(r => r.Id));
        Assert.Equal([running.Id], service.List(new() { All = true, Filters = F("name", "^/running") }).Select(r => r.Id));
        Assert.Equal([created.Id], service.List(new() { All = true, Limit = 1 }).Select(r => r.Id));
        Assert.Equal(3, service.List(new() { All = true, Filters = F("ancestor", "busybox:latest") }).Count);
    }

    [Fact]
    public void List_UnknownFilter_ThrowsInvalidArgument()
    {
        using var dir = new ContainerTestDir();
        var service = dir.NewService(dir.NewStore(), dir.NewVolumes());
        var e = Assert.Throws<InvalidArgumentException>(() => service.List(new() { Filters = F("colour", "red") }));
        Assert.Equal("invalid filter 'colour'", e.Message);
        Assert.Throws<InvalidArgumentException>(() => service.List(new() { Filters = F("status", "sleeping") }));
    }

    [Fact]
    public void StatusText_MatchesPs()
    {
        using var dir = new ContainerTestDir();
        var service = dir.NewService(dir.NewStore(), dir.NewVolumes());
        var r = ContainerTestDir.Record("s");
        Assert.Equal("Created", service.StatusText(r));
        r.State.Status = ContainerStatus.Exited;
        r.State.ExitCode = 1;
        r.State.FinishedAt = DateTimeOffset.UtcNow.AddSeconds(-5);
        Assert.Matches(@"^Exited \(1\) \d seconds ago$", service.StatusText(r));
        r.State.Status = ContainerStatus.Running;
        r.State.StartedAt = DateTimeOffset.UtcNow.AddMinutes(-10);
        Assert.Equal("Up 10 minutes", service.StatusText(r));
    }

    [Fact]
    public async Task Start_WithoutRuntime_IsUnavailable()
    {
        using var dir = new ContainerTestDir();
        var store = dir.NewStore();
        var service = dir.NewService(store, dir.NewVolumes());
        store.Add(ContainerTestDir.Record("norun"));
        await Assert.ThrowsAsync<UnavailableException>(() => service.StartAsync("norun", TestContext.Current.CancellationToken));
        Assert.Equal(128, store.Get("norun").State.ExitCode);
    }
}
