using Moat.Engine.Events;

namespace Moat.Engine.Tests.Events;

public sealed class EventBusTests
{
    private sealed class ManualTime(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;
        public override DateTimeOffset GetUtcNow() => Now;
    }

    [Fact]
    public void Publish_StampsTimeAndCopiesAttributes()
    {
        var time = new ManualTime(new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero));
        var bus = new EventBus(time);
        var attributes = new Dictionary<string, string> { ["name"] = "web" };

        var e = bus.Publish("container", "start", "abc", attributes, owner: "alice");
        attributes["name"] = "changed";

        Assert.Equal(time.Now, e.Time);
        Assert.Equal("web", e.Attributes["name"]);
        Assert.Equal("alice", e.Owner);
        Assert.Equal("local", e.Scope);
        Assert.Equal(time.Now.ToUnixTimeMilliseconds() * 1_000_000, e.UnixTimeNanoseconds);
    }

    [Fact]
    public async Task Subscribe_GetsHistorySnapshotThenLiveEvents_NoGapNoDuplicate()
    {
        var bus = new EventBus(TimeProvider.System);
        bus.Publish("container", "create", "a");

        using var subscription = bus.Subscribe();
        bus.Publish("container", "start", "a");

        Assert.Equal(["create"], subscription.History.Select(e => e.Action));
        var live = await subscription.Reader.ReadAsync(TestContext.Current.CancellationToken);
        Assert.Equal("start", live.Action);
        Assert.False(subscription.Reader.TryRead(out _));
    }

    [Fact]
    public void SubscriberCount_FollowsSubscriptions()
    {
        var bus = new EventBus(TimeProvider.System);

        var first = bus.Subscribe();
        var second = bus.Subscribe();
        Assert.Equal(2, bus.SubscriberCount);

        first.Dispose();
        first.Dispose();
        Assert.Equal(1, bus.SubscriberCount);
        second.Dispose();
        Assert.Equal(0, bus.SubscriberCount);
        Assert.True(second.Reader.Completion.IsCompleted);
    }

    [Fact]
    public void History_IsBounded_OldestDropped()
    {
        var bus = new EventBus(TimeProvider.System);
        for (int i = 0; i < EventBus.HistoryLimit + 10; i++) bus.Publish("container", "start", i.ToString());

        using var subscription = bus.Subscribe();

        Assert.Equal(EventBus.HistoryLimit, subscription.History.Count);
        Assert.Equal("10", subscription.History[0].ActorId);
    }

    [Fact]
    public void SlowSubscriber_LosesOldestPendingEvents_PublisherNeverBlocks()
    {
        var bus = new EventBus(TimeProvider.System);
        using var subscription = bus.Subscribe();

        for (int i = 0; i < EventBus.SubscriberBuffer + 5; i++) bus.Publish("container", "start", i.ToString());

        Assert.True(subscription.Reader.TryRead(out var first));
        Assert.Equal("5", first.ActorId);
    }
}
