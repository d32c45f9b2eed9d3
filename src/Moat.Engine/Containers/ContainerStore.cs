using System.Text.Json;
using Microsoft.Extensions.Logging;
using Moat.Engine.Storage;
using Moat.Engine.AtRest;
using Moat.Security.AtRest;

namespace Moat.Engine.Containers;

/// <summary>
/// The in-memory index of containers (by id and name) backed by one JSON file per container.
/// Reads never touch the disk; writes are atomic. A file that cannot be read is kept aside, not fatal.
/// With a master key, the secrets (env, command, labels) go to a sealed file beside config.v2.json (see
/// <see cref="SealedContainerState"/>); without it such a container is listed but "sealed away" and cannot start.
/// </summary>
public sealed class ContainerStore
{
    private readonly object _gate = new();
    private readonly Dictionary<string, ContainerRecord> _byId = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _idByName = new(StringComparer.Ordinal);
    private readonly ILogger<ContainerStore> _logger;
    private readonly DirectoryTrash _trash;
    private readonly DataAtRest _atRest;
    /// <summary>Containers whose sealed secrets could not be opened (no or another master key): never re-sealed, not startable.</summary>
    private readonly HashSet<string> _sealedAway = new(StringComparer.Ordinal);

    public ContainerStore(ContainerOptions options, ILogger<ContainerStore> logger, DataAtRest? atRest = null)
    {
        Root = System.IO.Path.Combine(options.DataRoot, "containers");
        _logger = logger;
        _atRest = atRest ?? DataAtRest.None;
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
                var (record, sealedAway) = Read(dir, file);
                if (record is null || record.Id.Length == 0) continue;
                _byId[record.Id] = record;
                _idByName[record.Name] = record.Id;
                if (sealedAway) _sealedAway.Add(record.Id);
                else if (_atRest.Key is not null) MigrateToSealed(dir, record);
            }
            catch (Exception e) when (e is JsonException or IOException)
            {
                _logger.LogWarning(e, "skipping unreadable container state {File}", file);
            }
        }
    }

    private (ContainerRecord? Record, bool SealedAway) Read(string dir, string file)
    {
        byte[] publicJson = File.ReadAllBytes(file);
        string secretsFile = System.IO.Path.Combine(dir, SealedContainerState.SecretsFile);
        if (!File.Exists(secretsFile)) return (SealedContainerState.Join(publicJson, null), false);
        string id = System.IO.Path.GetFileName(dir);
        if (_atRest.Key is null)
        {
            _logger.LogWarning("container {Id}: its configuration is sealed and moatd has no master key; it cannot start until the key is back", id);
            return (SealedContainerState.Join(publicJson, null), true);
        }
        try
        {
            byte[] secrets = SealedFile.OpenFile(_atRest.Key, secretsFile, SealedContainerState.Purpose(id));
            return (SealedContainerState.Join(publicJson, secrets), false);
        }
        catch (AtRestException e)
        {
            _logger.LogWarning("container {Id}: its sealed configuration cannot be opened ({Reason}); it cannot start", id, e.Message);
            return (SealedContainerState.Join(publicJson, null), true);
        }
    }

    /// <summary>
    /// First start with a master key: seal the secrets of state written without one, and shred a plain OCI spec an older
    /// moatd left in the bundle (it is written to the exec-root at the next start; a running container keeps its own).
    /// </summary>
    private void MigrateToSealed(string dir, ContainerRecord record)
    {
        if (!File.Exists(System.IO.Path.Combine(dir, SealedContainerState.SecretsFile)))
        {
            Save(record);
            _logger.LogInformation("container {Id}: configuration sealed under the master key", record.Id);
        }
        string spec = System.IO.Path.Combine(dir, "bundle", "config.json");
        if (record.State.Status is not (ContainerStatus.Running or ContainerStatus.Paused) && new FileInfo(spec) is { Exists: true, LinkTarget: null })
            Runtime.RuntimeService.ScrubPlainSpec(spec);
    }

    /// <summary>Refuses to run a container whose secrets are sealed under a key moatd does not have.</summary>
    public void EnsureUnsealed(ContainerRecord record)
    {
        bool away;
        lock (_gate) away = _sealedAway.Contains(record.Id);
        if (!away) return;
        if (_atRest.Key is null) _atRest.Require($"cannot start container {record.Name.TrimStart('/')}: its configuration is encrypted");
        throw new Errors.UnavailableException($"cannot start container {record.Name.TrimStart('/')}: its encrypted configuration was sealed with another master key");
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
        string dir = DirectoryOf(record.Id);
        bool sealedAway;
        lock (_gate) sealedAway = _sealedAway.Contains(record.Id);
        if (_atRest.Key is null && !sealedAway)
        {
            AtomicFile.Write(System.IO.Path.Combine(dir, "config.v2.json"), JsonSerializer.SerializeToUtf8Bytes(record, ContainerStoreJsonContext.Default.ContainerRecord));
            return;
        }
        var (publicJson, secrets) = SealedContainerState.Split(record);
        try
        {
            // Secrets first: a crash in between leaves the new secrets with the old public part, never plain secrets.
            // A sealed-away record keeps its sealed file as it is (its secrets are not in memory).
            if (!sealedAway) SealedFile.WriteFile(_atRest.Key!, System.IO.Path.Combine(dir, SealedContainerState.SecretsFile), SealedContainerState.Purpose(record.Id), secrets);
            AtomicFile.Write(System.IO.Path.Combine(dir, "config.v2.json"), publicJson);
        }
        finally
        {
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(secrets);
        }
    }

    /// <summary>Directories of removed containers not deleted yet (they are deleted in the background).</summary>
    public int PendingDeletes => _trash.Pending;

    /// <summary>Forgets the container and deletes its directory (state, logs, rw layer): moved aside at once, deleted in the background.</summary>
    public void Remove(ContainerRecord record)
    {
        lock (_gate)
        {
            _byId.Remove(record.Id);
            _sealedAway.Remove(record.Id);
            if (_idByName.TryGetValue(record.Name, out var id) && id == record.Id) _idByName.Remove(record.Name);
        }
        _trash.Discard(DirectoryOf(record.Id));
    }
}
