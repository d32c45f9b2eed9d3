using System.Text.Json;
using Microsoft.Extensions.Logging;
using Moat.Engine.Storage;

namespace Moat.Engine.Containers;

/// <summary>
/// The in-memory index of containers (by id and name) backed by one JSON file per container.
/// Reads never touch the disk; writes are atomic. A file that cannot be read is kept aside, not fatal.
/// </summary>
public sealed class ContainerStore
{
    private readonly object _gate = new();
    private readonly Dictionary<string, ContainerRecord> _byId = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _idByName = new(StringComparer.Ordinal);
    private readonly ILogger<ContainerStore> _logger;
    private readonly DirectoryTrash _trash;

    public ContainerStore(ContainerOptions options, ILogger<ContainerStore> logger)
    {
        Root = System.IO.Path.Combine(options.DataRoot, "containers");
        _logger = logger;
        Directory.CreateDirectory(Root);
        _trash = new DirectoryTrash(Root);
        Load();
    }

    public string Root { get; }

    public string DirectoryOf(string id) => System.IO.Path.Combine(Root, id);

    private void Load()
    {
        foreach (var dir in Directory.EnumerateDirectories(Root))
        {
            string file = System.IO.Path.Combine(dir, "config.v2.json");
            if (!File.Exists(file)) continue;
            try
            {
                var record = JsonSerializer.Deserialize(File.ReadAllBytes(file), ContainerStoreJsonContext.Default.ContainerRecord);
                if (record is null || record.Id.Length == 0) continue;
                _byId[record.Id] = record;
                _idByName[record.Name] = record.Id;
            }
            catch (Exception e) when (e is JsonException or IOException)
            {
                _logger.LogWarning(e, "skipping unreadable container state {File}", file);
            }
        }
    }

    public int Count
    {
        get { lock (_gate) return _byId.Count; }
    }

    public IReadOnlyList<ContainerRecord> All()
    {
        lock (_gate) return [.. _byId.Values];
    }

    /// <summary>Full id, name (with or without "/"), then a unique id prefix, as dockerd's GetContainer.</summary>
    /// <summary>
    /// The container with this full ID, name or unique ID prefix, as dockerd resolves them. With an
    /// <paramref name="owner"/>, only that owner's containers exist for the lookup: someone else's answers as a
    /// missing one, and a prefix shared with someone else's container is not "ambiguous" (no existence leak).
    /// </summary>
    public ContainerRecord Get(string idOrName, string? owner = null)
    {
        if (string.IsNullOrEmpty(idOrName)) throw new ContainerNotFoundException(idOrName);
        lock (_gate)
        {
            if (_byId.TryGetValue(idOrName, out var r))
                return Owned(r, owner) ? r : throw new ContainerNotFoundException(idOrName);
            string name = idOrName.StartsWith('/') ? idOrName : "/" + idOrName;
            if (_idByName.TryGetValue(name, out var id) && Owned(_byId[id], owner)) return _byId[id];
            ContainerRecord? found = null;
            foreach (var (key, value) in _byId)
            {
                if (!key.StartsWith(idOrName, StringComparison.Ordinal) || !Owned(value, owner)) continue;
                if (found is not null) throw new Errors.InvalidArgumentException($"multiple IDs found with provided prefix: {idOrName}");
                found = value;
            }
            return found ?? throw new ContainerNotFoundException(idOrName);
        }
    }

    private static bool Owned(ContainerRecord record, string? owner) =>
        owner is null || string.Equals(record.Owner, owner, StringComparison.Ordinal);

    public ContainerRecord? TryGet(string idOrName)
    {
        try { return Get(idOrName); }
        catch (ContainerNotFoundException) { return null; }
    }

    /// <summary>Reserves the name and adds the record (persisting it); throws the name conflict dockerd reports.</summary>
    public void Add(ContainerRecord record)
    {
        lock (_gate)
        {
            if (_idByName.TryGetValue(record.Name, out var other))
                throw new ContainerNameConflictException(record.Name, other);
            Directory.CreateDirectory(DirectoryOf(record.Id));
            Save(record);
            _byId[record.Id] = record;
            _idByName[record.Name] = record.Id;
        }
    }

    public bool NameInUse(string name)
    {
        lock (_gate) return _idByName.ContainsKey(name);
    }

    public void Rename(ContainerRecord record, string newName)
    {
        lock (_gate)
        {
            if (_idByName.TryGetValue(newName, out var other))
                throw new ContainerNameConflictException(newName, other);
            _idByName.Remove(record.Name);
            record.Name = newName;
            _idByName[newName] = record.Id;
            Save(record);
        }
    }

    public void Save(ContainerRecord record)
    {
        byte[] bytes = JsonSerializer.SerializeToUtf8Bytes(record, ContainerStoreJsonContext.Default.ContainerRecord);
        AtomicFile.Write(System.IO.Path.Combine(DirectoryOf(record.Id), "config.v2.json"), bytes);
    }

    /// <summary>Directories of removed containers not deleted yet (they are deleted in the background).</summary>
    public int PendingDeletes => _trash.Pending;

    /// <summary>Forgets the container and deletes its directory (state, logs, rw layer): moved aside at once, deleted in the background.</summary>
    public void Remove(ContainerRecord record)
    {
        lock (_gate)
        {
            _byId.Remove(record.Id);
            if (_idByName.TryGetValue(record.Name, out var id) && id == record.Id) _idByName.Remove(record.Name);
        }
        _trash.Discard(DirectoryOf(record.Id));
    }
}
