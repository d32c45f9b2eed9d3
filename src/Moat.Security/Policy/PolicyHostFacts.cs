using Moat.Linux.FileSystem;

namespace Moat.Security.Policy;

/// <summary>
/// What constraints need to know about this daemon: paths no non-admin may bind (its sockets, data-root,
/// exec-root, the policy and audit log) and the default runtime.
/// </summary>
public sealed class PolicyHostFacts
{
    public PolicyHostFacts(IEnumerable<string> protectedPaths, string defaultRuntime = "runc")
    {
        var resolved = new List<string>();
        foreach (var p in protectedPaths)
        {
            if (string.IsNullOrEmpty(p) || !p.StartsWith('/')) continue;
            string r = RealPath.Resolve(p);
            if (!resolved.Contains(r)) resolved.Add(r);
            if (!resolved.Contains(p)) resolved.Add(p.TrimEnd('/').Length == 0 ? "/" : p.TrimEnd('/'));
        }
        ProtectedPaths = resolved;
        DefaultRuntime = defaultRuntime;
    }

    public static PolicyHostFacts None { get; } = new([]);

    public IReadOnlyList<string> ProtectedPaths { get; }
    public string DefaultRuntime { get; }
}
