using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Moat.Engine.Events;
using Moat.Engine.Volumes;

namespace Moat.Engine.Containers;

/// <summary>
/// The container area: create, lifecycle (an explicit state machine guarded by one lock per container),
/// removal, waiting, listing and logs. State lives in <see cref="ContainerStore"/>; processes in the runtime.
/// </summary>
public sealed partial class ContainerService : IVolumeUsage, IDisposable
{
    private readonly ContainerStore _store;
    private readonly IImageResolver _images;
    private readonly IContainerRuntime _runtime;
    private readonly VolumeService _volumes;
    private readonly EventBus _events;
    private readonly TimeProvider _time;
    private readonly ContainerOptions _options;
    private readonly ILogger<ContainerService> _logger;
    private readonly ConcurrentDictionary<string, ContainerHandle> _handles = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _shutdown = new();
    private readonly InitBinary _init;

    public ContainerService(ContainerStore store, IImageResolver images, IContainerRuntime runtime, VolumeService volumes,
        EventBus events, TimeProvider time, ContainerOptions options, ILogger<ContainerService> logger)
    {
        _store = store;
        _images = images;
        _runtime = runtime;
        _volumes = volumes;
        _events = events;
        _time = time;
        _options = options;
        _logger = logger;
        _init = new InitBinary(options.InitPath);
        volumes.Usage = this;
    }

    public ContainerStore Store => _store;
    public ContainerOptions Options => _options;
    /// <summary>docker-init, for --init and docker info.</summary>
    public InitBinary Init => _init;

    public ContainerRecord Get(string idOrName, string? owner = null) => _store.Get(idOrName, owner);

    public ContainerRecord? TryGet(string idOrName) => _store.TryGet(idOrName);

    private ContainerHandle Handle(string id) => _handles.GetOrAdd(id, _ => new ContainerHandle());

    private static string ShortName(ContainerRecord r) => r.Name.TrimStart('/');

    private void Publish(ContainerRecord record, string action, Dictionary<string, string>? extra = null)
    {
        var attributes = new Dictionary<string, string>(StringComparer.Ordinal);
        if (record.Config.Labels is not null)
            foreach (var (k, v) in record.Config.Labels) attributes[k] = v;
        attributes["image"] = record.Config.Image;
        attributes["name"] = ShortName(record);
        if (extra is not null) foreach (var (k, v) in extra) attributes[k] = v;
        _events.Publish("container", action, record.Id, attributes, record.Owner);
    }

    private void Save(ContainerRecord record)
    {
        if (_store.TryGet(record.Id) is null) return; // removed meanwhile
        _store.Save(record);
    }

    public IReadOnlyList<string> ContainersUsing(string volumeName)
    {
        var ids = new List<string>();
        foreach (var r in _store.All())
            foreach (var m in r.Mounts)
                if (m.Type == "volume" && m.Name == volumeName) { ids.Add(r.Id); break; }
        return ids;
    }

    public void Dispose()
    {
        _shutdown.Cancel();
        _shutdown.Dispose();
    }
}
