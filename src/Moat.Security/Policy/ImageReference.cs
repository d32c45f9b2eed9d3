namespace Moat.Security.Policy;

/// <summary>Docker's reference normalization, enough for policy patterns: "busybox" → "docker.io/library/busybox:latest".</summary>
public static class ImageReference
{
    public static string Normalize(string reference)
    {
        string r = reference.Trim();
        if (r.Length == 0) return r;
        if (r.StartsWith("sha256:", StringComparison.Ordinal)) return r;
        string name = r, suffix = "";
        int at = r.IndexOf('@');
        if (at >= 0) { name = r[..at]; suffix = r[at..]; }
        else
        {
            int lastSlash = r.LastIndexOf('/');
            int colon = r.LastIndexOf(':');
            if (colon > lastSlash) { name = r[..colon]; suffix = r[colon..]; }
            else suffix = ":latest";
        }
        int slash = name.IndexOf('/');
        string first = slash < 0 ? "" : name[..slash];
        bool hasDomain = slash >= 0 && (first.Contains('.') || first.Contains(':') || first == "localhost");
        if (!hasDomain) name = "docker.io/" + (slash < 0 ? "library/" + name : name);
        else if (first == "index.docker.io") name = "docker.io" + name[first.Length..];
        return name + suffix;
    }

    /// <summary>
    /// True when the normalized reference, or its repository name without tag or digest, matches one of the
    /// patterns (glob, "*" any run of characters): "docker.io/library/busybox" allows every busybox tag.
    /// </summary>
    public static bool MatchesAny(string reference, IReadOnlyList<string> patterns)
    {
        string normalized = Normalize(reference);
        string repository = RepositoryOf(normalized);
        foreach (var p in patterns)
            if (Actions.Glob(p.AsSpan(), normalized.AsSpan()) || Actions.Glob(p.AsSpan(), repository.AsSpan())) return true;
        return false;
    }

    private static string RepositoryOf(string normalized)
    {
        int at = normalized.IndexOf('@');
        if (at >= 0) return normalized[..at];
        int lastSlash = normalized.LastIndexOf('/');
        int colon = normalized.LastIndexOf(':');
        return colon > lastSlash ? normalized[..colon] : normalized;
    }
}
