using System.Diagnostics;
using Moat.Api.Contracts.Containers;
using Moat.Engine.Errors;

namespace Moat.Engine.Containers;

public sealed partial class ContainerService
{
    public async Task RenameAsync(string idOrName, string newName, CancellationToken cancellationToken)
    {
        var record = _store.Get(idOrName);
        string stored = ContainerNames.Validate(newName);
        if (stored == record.Name) throw new InvalidArgumentException("Renaming a container with the same name as its current name");
        var handle = Handle(record.Id);
        await handle.Lock.WaitAsync(cancellationToken);
        try
        {
            string old = record.Name;
            _store.Rename(record, stored);
            Publish(record, "rename", new() { ["oldName"] = old });
        }
        finally
        {
            handle.Lock.Release();
        }
    }

    /// <summary>docker update: resources (applied at once to a running container, through the runtime) and the restart policy.</summary>
    public async Task<List<string>> UpdateAsync(string idOrName, ContainerUpdateRequest update, CancellationToken cancellationToken)
    {
        var record = _store.Get(idOrName);
        var handle = Handle(record.Id);
        var warnings = new List<string>();
        await handle.Lock.WaitAsync(cancellationToken);
        try
        {
            var host = record.HostConfig;
            var before = (host.Memory, host.MemorySwap, host.NanoCpus, host.CpuShares, host.PidsLimit);
            // As dockerd (container.UpdateContainer): the CLI sends every field, and a zero means "not given".
            if (update.Memory is { } memory and not 0)
            {
                if (memory is > 0 and < 6 * 1024 * 1024) throw new InvalidArgumentException("Minimum memory limit allowed is 6MB");
                if (host.MemorySwap > 0 && memory > host.MemorySwap && update.MemorySwap is null or 0)
                    throw new ConflictException("Memory limit should be smaller than already set memoryswap limit, update the memoryswap at the same time");
                host.Memory = memory;
            }
            if (update.MemorySwap is { } swap and not 0) host.MemorySwap = swap;
            if (update.NanoCpus is { } nano and not 0)
            {
                int cpus = Environment.ProcessorCount;
                if (nano < 0 || nano > cpus * 1_000_000_000L)
                    throw new InvalidArgumentException($"Range of CPUs is from 0.01 to {cpus}.00, as there are only {cpus} CPUs available");
                host.NanoCpus = nano;
            }
            if (update.CpuShares is { } shares and not 0) host.CpuShares = shares;
            if (update.PidsLimit is { } pids) host.PidsLimit = pids;
            if (update.RestartPolicy is { } policy && policy.Name.Length > 0)
            {
                if (host.AutoRemove && policy.Name != "no")
                    throw new InvalidArgumentException("Restart policy cannot be updated because AutoRemove is enabled for the container");
                var probe = new HostConfig { RestartPolicy = policy };
                ValidateHostConfig(probe, warnings);
                host.RestartPolicy = policy;
            }
            if (IsActive(record.State.Status) && before != (host.Memory, host.MemorySwap, host.NanoCpus, host.CpuShares, host.PidsLimit))
            {
                try
                {
                    await _runtime.UpdateAsync(BuildSpec(record), cancellationToken);
                }
                catch
                {
                    (host.Memory, host.MemorySwap, host.NanoCpus, host.CpuShares, host.PidsLimit) = before;
                    throw;
                }
            }
            Save(record);
            Publish(record, "update");
        }
        finally
        {
            handle.Lock.Release();
        }
        return warnings;
    }

    /// <summary>docker container prune: removes stopped containers matching until/label filters.</summary>
    public Task<(List<string> Deleted, long Reclaimed)> PruneAsync(IReadOnlyDictionary<string, IReadOnlyList<string>> filters, CancellationToken cancellationToken) =>
        PruneAsync(filters, owner: null, cancellationToken);

    /// <summary>As <see cref="PruneAsync(IReadOnlyDictionary{string, IReadOnlyList{string}}, CancellationToken)"/>, only
    /// <paramref name="owner"/>'s containers when not null (authorization's "own" scope).</summary>
    public async Task<(List<string> Deleted, long Reclaimed)> PruneAsync(IReadOnlyDictionary<string, IReadOnlyList<string>> filters, string? owner, CancellationToken cancellationToken)
    {
        foreach (var key in filters.Keys)
            if (key is not ("until" or "label" or "label!"))
                throw new InvalidArgumentException($"invalid filter '{key}'");
        DateTimeOffset? until = null;
        if (filters.TryGetValue("until", out var untilValues))
            foreach (var u in untilValues) until = ParseUntil(u);
        var candidates = new List<ContainerRecord>();
        foreach (var r in _store.All())
        {
            if (owner is not null && !string.Equals(r.Owner, owner, StringComparison.Ordinal)) continue;
            if (r.State.Status is not (ContainerStatus.Exited or ContainerStatus.Created or ContainerStatus.Dead)) continue;
            if (until is not null && r.Created >= until) continue;
            if (filters.TryGetValue("label", out var labels) && !labels.All(l => LabelMatches(r.Config.Labels, l))) continue;
            if (filters.TryGetValue("label!", out var notLabels) && notLabels.Any(l => LabelMatches(r.Config.Labels, l))) continue;
            candidates.Add(r);
        }
        // Removal is mostly waiting for the runtime (runc delete, unmount): do several at once.
        var deleted = new System.Collections.Concurrent.ConcurrentBag<string>();
        await Parallel.ForEachAsync(candidates, new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = cancellationToken }, async (r, ct) =>
        {
            try
            {
                await RemoveAsync(r.Id, force: false, removeVolumes: false, ct);
                deleted.Add(r.Id);
            }
            catch (MoatException) { }
        });
        _events.Publish("container", "prune", "", new Dictionary<string, string> { ["reclaimed"] = "0" }, owner);
        return ([.. deleted], 0);
    }

    private DateTimeOffset ParseUntil(string value)
    {
        if (long.TryParse(value, out long unix)) return DateTimeOffset.FromUnixTimeSeconds(unix);
        if (TimeSpan.TryParse(value, System.Globalization.CultureInfo.InvariantCulture, out var span)) return _time.GetUtcNow() - span;
        if (value.Length > 1 && char.IsAsciiLetter(value[^1]) && double.TryParse(value[..^1], System.Globalization.CultureInfo.InvariantCulture, out double n))
        {
            var d = value[^1] switch { 's' => TimeSpan.FromSeconds(n), 'm' => TimeSpan.FromMinutes(n), 'h' => TimeSpan.FromHours(n), _ => throw new InvalidArgumentException($"invalid filter 'until={value}'") };
            return _time.GetUtcNow() - d;
        }
        if (DateTimeOffset.TryParse(value, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var t)) return t;
        throw new InvalidArgumentException($"invalid filter 'until={value}'");
    }

    public async Task<ContainerTopResponse> TopAsync(string idOrName, string? psArgs, CancellationToken cancellationToken)
    {
        var record = _store.Get(idOrName);
        if (!IsActive(record.State.Status)) throw new ConflictException($"container {record.Id} is not running");
        var pids = new HashSet<int>(await _runtime.PidsAsync(record.Id, cancellationToken));
        var args = string.IsNullOrWhiteSpace(psArgs) ? ["-ef"] : psArgs.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var psi = new ProcessStartInfo("ps") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var ps = Process.Start(psi) ?? throw new UnavailableException("ps did not start");
        string output = await ps.StandardOutput.ReadToEndAsync(cancellationToken);
        await ps.WaitForExitAsync(cancellationToken);
        if (ps.ExitCode != 0) throw new InvalidArgumentException($"ps: {(await ps.StandardError.ReadToEndAsync(cancellationToken)).Trim()}");
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        if (lines.Length == 0) throw new InvalidArgumentException("ps: no output");
        var titles = lines[0].Split(' ', StringSplitOptions.RemoveEmptyEntries).ToList();
        int pidColumn = titles.IndexOf("PID");
        if (pidColumn < 0) throw new InvalidArgumentException("Couldn't find PID field in ps output");
        var result = new ContainerTopResponse { Titles = titles };
        foreach (var line in lines.Skip(1))
        {
            var fields = line.Split(' ', titles.Count, StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length <= pidColumn || !int.TryParse(fields[pidColumn], out int pid) || !pids.Contains(pid)) continue;
            if (fields.Length == titles.Count) fields[^1] = fields[^1].Trim();
            result.Processes.Add([.. fields]);
        }
        return result;
    }

    public Task<RuntimeStats> StatsAsync(ContainerRecord record, CancellationToken cancellationToken)
    {
        if (!IsActive(record.State.Status))
            return Task.FromResult(new RuntimeStats(0, 0, Environment.ProcessorCount, 0, 0, 0, 0));
        return _runtime.StatsAsync(record.Id, cancellationToken);
    }

    /// <summary>Bytes in the container's writable layer (its bundle's upper dir).</summary>
    public long SizeRw(ContainerRecord record) => Volumes.VolumeService.DirectorySize(System.IO.Path.Combine(_store.DirectoryOf(record.Id), "bundle", "diff"));
}
