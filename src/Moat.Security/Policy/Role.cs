namespace Moat.Security.Policy;

/// <summary>A compiled role: the actions it allows, the objects it reaches, and what it may create.</summary>
public sealed class Role
{
    public Role(string name, IReadOnlyList<string> patterns, AccessScope scope, Constraints? constraints, string? description = null)
    {
        Name = name;
        Patterns = patterns;
        Scope = scope;
        Constraints = constraints;
        Description = description;
    }

    public string Name { get; }
    /// <summary>Action names or "*" patterns.</summary>
    public IReadOnlyList<string> Patterns { get; }
    public AccessScope Scope { get; }
    /// <summary>Null only for the built-in admin role: no limits at all.</summary>
    public Constraints? Constraints { get; }
    public string? Description { get; }
    public bool IsAdmin => Constraints is null;

    public bool Allows(string action)
    {
        foreach (var pattern in Patterns)
            if (Actions.Matches(pattern, action)) return true;
        return false;
    }
}
