namespace Moat.Engine.Events;

/// <summary>
/// moby's daemon/events Filter: which events a <c>docker events --filter …</c> stream includes. Every
/// present key must match; object keys (container, volume, network, daemon, plugin…) match by prefix on
/// the actor ID or its "name" attribute, as dockerd does (regardless of the event type).
/// </summary>
public sealed class EventFilter
{
    private static readonly string[] NameKeys = ["daemon", "container", "plugin", "volume", "network", "node", "service", "secret", "config"];
    private static readonly HashSet<string> FuzzyActions = ["health_status", "exec_create", "exec_start"];

    private readonly FilterArgs _args;

    public EventFilter(FilterArgs args) => _args = args;

    public bool IsEmpty => _args.Count == 0;

    public bool Include(DockerEvent e)
    {
        if (!MatchAction(e.Action)) return false;
        if (!_args.ExactMatch("type", e.Type)) return false;
        if (_args.Contains("scope") && !_args.ExactMatch("scope", e.Scope)) return false;
        e.Attributes.TryGetValue("name", out var name);
        foreach (var key in NameKeys)
        {
            if (!_args.Contains(key)) continue;
            if (!_args.FuzzyMatch(key, e.ActorId) && !_args.FuzzyMatch(key, name ?? "")) return false;
        }
        return MatchImage(e) && _args.MatchKVList("label", e.Attributes);
    }

    private bool MatchAction(string action)
    {
        // moby #25798: "exec_start" must also match "exec_start: sh -c …" (actions carrying the command).
        foreach (var value in _args.Get("event"))
            if (FuzzyActions.Contains(value)) return _args.FuzzyMatch("event", action);
        return _args.ExactMatch("event", action);
    }

    /// <summary>Image events match on their ID and name; container events on their "image" attribute; each also without tag.</summary>
    private bool MatchImage(DockerEvent e)
    {
        if (!_args.Contains("image")) return true;
        e.Attributes.TryGetValue(e.Type == "image" ? "name" : "image", out var imageName);
        imageName ??= "";
        return _args.ExactMatch("image", e.ActorId)
            || _args.ExactMatch("image", imageName)
            || _args.ExactMatch("image", FamiliarName(e.ActorId))
            || _args.ExactMatch("image", FamiliarName(imageName));
    }

    /// <summary>
    /// The reference without tag or digest, in its short form ("docker.io/library/busybox:1" → "busybox"),
    /// as moby's stripTag; input that does not look like a reference comes back unchanged.
    /// </summary>
    public static string FamiliarName(string reference)
    {
        if (reference.Length == 0 || reference.Any(char.IsAsciiLetterUpper)) return reference;
        string name = reference;
        int at = name.IndexOf('@');
        if (at >= 0) name = name[..at];
        int slash = name.LastIndexOf('/');
        int colon = name.LastIndexOf(':');
        if (colon > slash) name = name[..colon];
        if (name.StartsWith("docker.io/", StringComparison.Ordinal)) name = name["docker.io/".Length..];
        else if (name.StartsWith("index.docker.io/", StringComparison.Ordinal)) name = name["index.docker.io/".Length..];
        else return name;
        if (name.StartsWith("library/", StringComparison.Ordinal) && name.IndexOf('/', "library/".Length) < 0) name = name["library/".Length..];
        return name;
    }
}
