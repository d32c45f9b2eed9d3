namespace Moat.Security.Policy;

/// <summary>
/// Every action name a route may carry (docs/authorization.md): "&lt;area&gt;.&lt;verb&gt;", named after the API.
/// Role patterns are validated against this list so that a typo is an error, not a silent gap.
/// </summary>
public static class Actions
{
    public const string Ping = "system.ping";
    public const string Version = "system.version";

    /// <summary>Always allowed, to everyone: the CLI's version negotiation must never fail.</summary>
    public static bool IsAlwaysAllowed(string action) => action is Ping or Version;

    public static readonly IReadOnlyList<string> Known =
    [
        // system
        "system.ping", "system.version", "system.info", "system.events", "system.df", "system.auth",
        // containers
        "container.list", "container.create", "container.inspect", "container.top", "container.logs",
        "container.changes", "container.export", "container.stats", "container.resize", "container.start",
        "container.stop", "container.restart", "container.kill", "container.update", "container.rename",
        "container.pause", "container.unpause", "container.attach", "container.wait", "container.delete",
        "container.archive", "container.extract", "container.exec", "container.prune", "container.commit",
        // exec instances
        "exec.start", "exec.resize", "exec.inspect",
        // images
        "image.list", "image.build", "image.build-prune", "image.pull", "image.inspect", "image.history",
        "image.push", "image.tag", "image.delete", "image.search", "image.prune", "image.save", "image.load",
        "image.distribution",
        // volumes
        "volume.list", "volume.create", "volume.inspect", "volume.update", "volume.delete", "volume.prune",
        // networks
        "network.list", "network.inspect", "network.create", "network.connect", "network.disconnect",
        "network.delete", "network.prune",
    ];

    /// <summary>Glob match where "*" stands for any run of characters (including dots).</summary>
    public static bool Matches(string pattern, string action)
    {
        if (pattern == "*") return true;
        return Glob(pattern.AsSpan(), action.AsSpan());
    }

    internal static bool Glob(ReadOnlySpan<char> pattern, ReadOnlySpan<char> text)
    {
        int p = 0, t = 0, star = -1, mark = 0;
        while (t < text.Length)
        {
            if (p < pattern.Length && pattern[p] == '*') { star = p++; mark = t; }
            else if (p < pattern.Length && pattern[p] == text[t]) { p++; t++; }
            else if (star >= 0) { p = star + 1; t = ++mark; }
            else return false;
        }
        while (p < pattern.Length && pattern[p] == '*') p++;
        return p == pattern.Length;
    }
}
