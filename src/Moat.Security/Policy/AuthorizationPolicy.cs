using System.Text.Json;
using Moat.Security.Identity;

namespace Moat.Security.Policy;

/// <summary>
/// A loaded, validated policy: roles (built-in and custom) bound to users, groups or anonymous callers.
/// Immutable; a reload builds a new one.
/// </summary>
public sealed class AuthorizationPolicy
{
    /// <summary>Policy files are small; anything larger is refused.</summary>
    public const int MaxFileBytes = 1024 * 1024;

    private readonly List<Binding> _bindings;

    private AuthorizationPolicy(string source, IReadOnlyDictionary<string, Role> roles, List<Binding> bindings)
    {
        Source = source;
        Roles = roles;
        _bindings = bindings;
    }

    public string Source { get; }
    public IReadOnlyDictionary<string, Role> Roles { get; }

    public static AuthorizationPolicy Load(string path)
    {
        byte[] bytes;
        try
        {
            var info = new FileInfo(path);
            if (!info.Exists) throw new PolicyException($"authorization policy {path}: file not found");
            if (info.Length > MaxFileBytes) throw new PolicyException($"authorization policy {path}: larger than {MaxFileBytes} bytes");
            bytes = File.ReadAllBytes(path);
        }
        catch (IOException e) { throw new PolicyException($"authorization policy {path}: {e.Message}", e); }
        catch (UnauthorizedAccessException e) { throw new PolicyException($"authorization policy {path}: {e.Message}", e); }
        return Parse(bytes, path);
    }

    public static AuthorizationPolicy Parse(ReadOnlySpan<byte> json, string source)
    {
        PolicyDocument? doc;
        try
        {
            doc = JsonSerializer.Deserialize(json, PolicyJsonContext.Default.PolicyDocument);
        }
        catch (JsonException e)
        {
            throw new PolicyException($"authorization policy {source}: invalid JSON: {e.Message}", e);
        }
        if (doc is null) throw new PolicyException($"authorization policy {source}: empty document");
        try
        {
            return Compile(doc, source);
        }
        catch (PolicyException e)
        {
            throw new PolicyException($"authorization policy {source}: {e.Message}", e);
        }
    }

    private static AuthorizationPolicy Compile(PolicyDocument doc, string source)
    {
        var roles = new Dictionary<string, Role>(BuiltInRoles.All, StringComparer.Ordinal);
        foreach (var (name, r) in doc.Roles ?? [])
        {
            if (string.IsNullOrWhiteSpace(name)) throw new PolicyException("a role needs a name");
            if (BuiltInRoles.All.ContainsKey(name)) throw new PolicyException($"role {name} is built in and cannot be redefined");
            if (r.Actions is not { Count: > 0 }) throw new PolicyException($"role {name}: \"actions\" must list at least one action");
            foreach (var pattern in r.Actions)
            {
                if (string.IsNullOrWhiteSpace(pattern)) throw new PolicyException($"role {name}: empty action");
                if (!Actions.Known.Any(a => Actions.Matches(pattern, a)))
                    throw new PolicyException($"role {name}: action \"{pattern}\" matches no known action");
            }
            var scope = r.Scope switch
            {
                null or "all" => AccessScope.All,
                "own" => AccessScope.Own,
                _ => throw new PolicyException($"role {name}: scope must be \"all\" or \"own\", not \"{r.Scope}\""),
            };
            Constraints constraints;
            try { constraints = new Constraints(r.Constraints); }
            catch (PolicyException e) { throw new PolicyException($"role {name}: {e.Message}", e); }
            roles[name] = new Role(name, r.Actions, scope, constraints, r.Description);
        }

        var bindings = new List<Binding>();
        int index = 0;
        foreach (var b in doc.Bindings ?? [])
        {
            index++;
            if (string.IsNullOrEmpty(b.Role)) throw new PolicyException($"binding {index}: \"role\" is required");
            if (!roles.TryGetValue(b.Role, out var role)) throw new PolicyException($"binding {index}: unknown role \"{b.Role}\"");
            if ((b.Users?.Count ?? 0) == 0 && (b.Groups?.Count ?? 0) == 0 && !b.Anonymous)
                throw new PolicyException($"binding {index}: names no users, groups or anonymous");
            bindings.Add(new Binding(role, [.. b.Users ?? []], [.. b.Groups ?? []], b.Anonymous));
        }
        return new AuthorizationPolicy(source, roles, bindings);
    }

    /// <summary>The roles bound to <paramref name="caller"/> (by user name, any of its groups, or as anonymous).</summary>
    public IReadOnlyList<Role> RolesOf(Caller caller)
    {
        var result = new List<Role>(2);
        bool authenticated = caller.Method != AuthMethod.None;
        foreach (var b in _bindings)
        {
            if (result.Contains(b.Role)) continue;
            bool match = authenticated
                ? b.Users.Contains(caller.User) || caller.Groups.Any(b.Groups.Contains)
                : b.Anonymous;
            if (match) result.Add(b.Role);
        }
        return result;
    }

    /// <summary>May <paramref name="caller"/> perform <paramref name="action"/> at all, and over which objects?</summary>
    public Decision Authorize(Caller caller, string action)
    {
        if (Actions.IsAlwaysAllowed(action)) return Decision.Allow("always allowed");
        if (caller.IsRoot) return Decision.Allow("uid 0 is an administrator") with { IsAdmin = true };
        var roles = RolesOf(caller);
        if (roles.Count == 0) return Decision.Deny($"{Describe(caller)} has no role");
        Role? granted = null;
        foreach (var role in roles)
        {
            if (!role.Allows(action)) continue;
            if (role.IsAdmin) return Decision.Allow($"role {role.Name} allows {action}") with { IsAdmin = true };
            if (granted is null || (granted.Scope == AccessScope.Own && role.Scope == AccessScope.All)) granted = role;
        }
        return granted is null
            ? Decision.Deny($"no role of {Describe(caller)} allows {action}")
            : Decision.Allow($"role {granted.Name} allows {action}", granted.Scope);
    }

    /// <summary>Checks a decoded create request against the constraints of the roles that allow <paramref name="action"/>.</summary>
    public Decision AuthorizeContainerCreate(Caller caller, ContainerCreateFacts facts, PolicyHostFacts daemon, string action = "container.create") =>
        AuthorizeBody(caller, action, role =>
        {
            if (facts.Labels.ContainsKey(Ownership.Label)) return $"label {Ownership.Label} is reserved";
            return role.Constraints!.Check(facts, caller, daemon);
        });

    public Decision AuthorizeExecCreate(Caller caller, ExecCreateFacts facts, string action = "container.exec") =>
        AuthorizeBody(caller, action, role => role.Constraints!.Check(facts));

    public Decision AuthorizeVolumeCreate(Caller caller, VolumeCreateFacts facts, PolicyHostFacts daemon, string action = "volume.create") =>
        AuthorizeBody(caller, action, role =>
        {
            if (facts.Labels.ContainsKey(Ownership.Label)) return $"label {Ownership.Label} is reserved";
            return role.Constraints!.Check(facts, caller, daemon);
        });

    /// <summary>Allowed when one role that allows the action also accepts the request; else the first role's objection.</summary>
    private Decision AuthorizeBody(Caller caller, string action, Func<Role, string?> check)
    {
        var basic = Authorize(caller, action);
        if (!basic.Allowed || basic.IsAdmin) return basic;
        string? firstObjection = null;
        Decision? best = null;
        foreach (var role in RolesOf(caller))
        {
            if (!role.Allows(action)) continue;
            if (check(role) is { } objection)
            {
                firstObjection ??= $"role {role.Name}: {objection}";
                continue;
            }
            if (best is null || (best.Scope == AccessScope.Own && role.Scope == AccessScope.All))
                best = Decision.Allow($"role {role.Name} allows {action}", role.Scope);
        }
        return best ?? Decision.Deny(firstObjection!);
    }

    private static string Describe(Caller caller) => caller.Method == AuthMethod.None ? "anonymous caller" : $"user {caller.User}";

    private sealed record Binding(Role Role, HashSet<string> Users, HashSet<string> Groups, bool Anonymous);
}
