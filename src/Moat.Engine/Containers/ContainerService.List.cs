using Moat.Engine.Errors;

namespace Moat.Engine.Containers;

/// <summary>docker ps options: -a, -n, --filter (already decoded into name → values).</summary>
public sealed record ContainerListOptions
{
    public bool All { get; init; }
    public int Limit { get; init; } = -1;
    public IReadOnlyDictionary<string, IReadOnlyList<string>> Filters { get; init; } = new Dictionary<string, IReadOnlyList<string>>();

    /// <summary>Authorization's "own" scope: only this owner's containers are listed; null lists everyone's.</summary>
    public string? Owner { get; init; }
}

public sealed partial class ContainerService
{
    private static readonly HashSet<string> KnownFilters =
        ["status", "label", "name", "id", "ancestor", "exited", "before", "since", "volume", "health", "network", "publish", "expose", "isolation", "is-task"];

    private static readonly HashSet<string> Statuses = ["created", "restarting", "running", "removing", "paused", "exited", "dead"];

    /// <summary>The in-memory list, newest first, filtered as dockerd filters (no disk access).</summary>
    public IReadOnlyList<ContainerRecord> List(ContainerListOptions options)
    {
        var f = options.Filters;
        foreach (var key in f.Keys)
            if (!KnownFilters.Contains(key)) throw new InvalidArgumentException($"invalid filter '{key}'");
        foreach (var s in Get(f, "status"))
            if (!Statuses.Contains(s)) throw new InvalidArgumentException($"invalid filter 'status={s}'");
        var exitCodes = new List<int>();
        foreach (var e in Get(f, "exited"))
        {
            if (!int.TryParse(e, out int code)) throw new InvalidArgumentException($"invalid filter 'exited={e}'");
            exitCodes.Add(code);
        }
        DateTimeOffset? before = null, since = null;
        foreach (var b in Get(f, "before")) before = _store.Get(b, options.Owner).Created;
        foreach (var s in Get(f, "since")) since = _store.Get(s, options.Owner).Created;

        // dockerd: -a is implied by a status filter (other than running) or an exited filter.
        bool all = options.All || Get(f, "status").Count > 0 || exitCodes.Count > 0;
        var result = new List<ContainerRecord>();
        foreach (var r in _store.All().OrderByDescending(r => r.Created).ThenBy(r => r.Id, StringComparer.Ordinal))
        {
            if (options.Owner is not null && !string.Equals(r.Owner, options.Owner, StringComparison.Ordinal)) continue;
            string status = r.State.Status.ToDocker();
            if (!all && status is not ("running" or "paused" or "restarting")) continue;
            if (before is not null && r.Created >= before) continue;
            if (since is not null && r.Created <= since) continue;
            if (!MatchAny(f, "status", s => s == status)) continue;
            if (!MatchAny(f, "id", v => r.Id.StartsWith(v, StringComparison.Ordinal))) continue;
            if (!MatchAny(f, "name", v => NameMatches(r.Name, v))) continue;
            if (!MatchAll(f, "label", v => LabelMatches(r.Config.Labels, v))) continue;
            if (!MatchAny(f, "ancestor", v => AncestorMatches(r, v))) continue;
            if (exitCodes.Count > 0 && (status != "exited" || !exitCodes.Contains(r.State.ExitCode))) continue;
            if (!MatchAny(f, "volume", v => r.Mounts.Any(m => m.Name == v || m.Destination == v || m.Source == v))) continue;
            if (!MatchAny(f, "network", v => v == (r.HostConfig.NetworkMode == "default" ? "bridge" : r.HostConfig.NetworkMode))) continue;
            if (!MatchAny(f, "is-task", v => v == "false")) continue;
            if (!MatchAny(f, "health", v => v == "none")) continue;
            result.Add(r);
            if (options.Limit > 0 && result.Count >= options.Limit) break;
        }
        return result;
    }

    private static IReadOnlyList<string> Get(IReadOnlyDictionary<string, IReadOnlyList<string>> f, string key) =>
        f.TryGetValue(key, out var v) ? v : [];

    private static bool MatchAny(IReadOnlyDictionary<string, IReadOnlyList<string>> f, string key, Func<string, bool> match)
    {
        var values = Get(f, key);
        return values.Count == 0 || values.Any(match);
    }

    private static bool MatchAll(IReadOnlyDictionary<string, IReadOnlyList<string>> f, string key, Func<string, bool> match)
    {
        var values = Get(f, key);
        return values.All(match);
    }

    private static bool NameMatches(string name, string pattern)
    {
        try
        {
            return System.Text.RegularExpressions.Regex.IsMatch(name, pattern, System.Text.RegularExpressions.RegexOptions.None, TimeSpan.FromMilliseconds(100));
        }
        catch (ArgumentException)
        {
            return name.Contains(pattern, StringComparison.Ordinal);
        }
    }

    internal static bool LabelMatches(IReadOnlyDictionary<string, string>? labels, string filter)
    {
        if (labels is null) return false;
        int eq = filter.IndexOf('=');
        if (eq < 0) return labels.ContainsKey(filter);
        return labels.TryGetValue(filter[..eq], out var v) && v == filter[(eq + 1)..];
    }

    private static bool AncestorMatches(ContainerRecord r, string value)
    {
        string image = r.Config.Image;
        if (image == value) return true;
        if (!value.Contains(':') && !value.Contains('@') && image == value + ":latest") return true;
        if (!image.Contains(':') && !image.Contains('@') && image + ":latest" == value) return true;
        string id = r.ImageId.StartsWith("sha256:", StringComparison.Ordinal) ? r.ImageId[7..] : r.ImageId;
        string v = value.StartsWith("sha256:", StringComparison.Ordinal) ? value[7..] : value;
        return v.Length >= 4 && id.StartsWith(v, StringComparison.Ordinal);
    }

    /// <summary>"Up 3 seconds", "Exited (0) 2 minutes ago", … as the ps Status column.</summary>
    public string StatusText(ContainerRecord r)
    {
        var now = _time.GetUtcNow();
        var s = r.State;
        return s.Status switch
        {
            ContainerStatus.Running => $"Up {HumanDuration(now - s.StartedAt)}",
            ContainerStatus.Paused => $"Up {HumanDuration(now - s.StartedAt)} (Paused)",
            ContainerStatus.Restarting => $"Restarting ({s.ExitCode}) {HumanDuration(now - s.FinishedAt)} ago",
            ContainerStatus.Removing => "Removal In Progress",
            ContainerStatus.Dead => "Dead",
            ContainerStatus.Exited when s.FinishedAt == default => "Created",
            ContainerStatus.Exited => $"Exited ({s.ExitCode}) {HumanDuration(now - s.FinishedAt)} ago",
            _ => "Created",
        };
    }

    /// <summary>go-units HumanDuration.</summary>
    public static string HumanDuration(TimeSpan d)
    {
        double seconds = d.TotalSeconds;
        if (seconds < 1) return "Less than a second";
        if (seconds < 2) return "1 second";
        if (seconds < 60) return $"{(int)seconds} seconds";
        double minutes = d.TotalMinutes;
        if ((int)minutes == 1) return "About a minute";
        if (minutes < 60) return $"{(int)minutes} minutes";
        double hours = Math.Round(d.TotalHours);
        if ((int)hours == 1) return "About an hour";
        if (hours < 48) return $"{(int)hours} hours";
        if (hours < 24 * 7 * 2) return $"{(int)(hours / 24)} days";
        if (hours < 24 * 30 * 2) return $"{(int)(hours / 24 / 7)} weeks";
        if (hours < 24 * 365 * 2) return $"{(int)(hours / 24 / 30)} months";
        return $"{(int)(hours / 24 / 365)} years";
    }
}
