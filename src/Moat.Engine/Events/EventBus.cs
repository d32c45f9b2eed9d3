using System.Threading.Channels;

namespace Moat.Engine.Events;

/// <summary>
/// Fan-out of daemon events to /events subscribers, with a bounded in-memory history for `since`
/// (dockerd keeps 256; we keep <see cref="HistoryLimit"/>). Publishing never blocks: a subscriber that
/// cannot keep up loses its oldest pending events. Register one instance per daemon (singleton); every
/// area publishes through it, e.g. <c>bus.Publish("container", "start", id, attributes, owner)</c>.
/// </summary>
public sealed class EventBus
{
    public const int HistoryLimit = 1024;
    public const int SubscriberBuffer = 1024;

    private readonly object _gate = new();
    private readonly LinkedList<DockerEvent> _history = new();
    private readonly List<Channel<DockerEvent>> _subscribers = [];
    private readonly TimeProvider _time;

    public EventBus(TimeProvider time)
    {
        _time = time;
    }

    /// <summary>Number of live subscriptions (docker info's EventsListeners).</summary>
    public int SubscriberCount
    {
        get { lock (_gate) return _subscribers.Count; }
    }

    /// <summary>Publishes an event stamped with the current time; the attributes are copied, so callers may reuse theirs.</summary>
    public DockerEvent Publish(string type, string action, string actorId, IReadOnlyDictionary<string, string>? attributes = null, string? owner = null)
    {
        var copy = attributes is null ? new Dictionary<string, string>() : new Dictionary<string, string>(attributes);
        var e = new DockerEvent(type, action, actorId, copy, _time.GetUtcNow()) { Owner = owner };
        Publish(e);
        return e;
    }

    public void Publish(DockerEvent e)
    {
        lock (_gate)
        {
            _history.AddLast(e);
            if (_history.Count > HistoryLimit) _history.RemoveFirst();
            foreach (var s in _subscribers) s.Writer.TryWrite(e);
        }
    }

    /// <summary>Subscribes and returns the history snapshot taken atomically with the subscription (no gap, no duplicate).</summary>
    public Subscription Subscribe()
    {
        var channel = Channel.CreateBounded<DockerEvent>(new BoundedChannelOptions(SubscriberBuffer)
        {
            FullMode = BoundedChannelFullMode.DropOldest,
            SingleReader = true,
        });
        lock (_gate)
        {
            _subscribers.Add(channel);
            return new Subscription(this, channel, [.. _history]);
        }
    }

    private void Unsubscribe(Channel<DockerEvent> channel)
    {
        lock (_gate)
        {
            if (!_subscribers.Remove(channel)) return;
        }
        channel.Writer.TryComplete();
    }

    public sealed class Subscription : IDisposable
    {
        private readonly EventBus _bus;
        private readonly Channel<DockerEvent> _channel;

        internal Subscription(EventBus bus, Channel<DockerEvent> channel, IReadOnlyList<DockerEvent> history)
        {
            _bus = bus;
            _channel = channel;
            History = history;
        }

        public IReadOnlyList<DockerEvent> History { get; }
        public ChannelReader<DockerEvent> Reader => _channel.Reader;
        public void Dispose() => _bus.Unsubscribe(_channel);
    }
}
