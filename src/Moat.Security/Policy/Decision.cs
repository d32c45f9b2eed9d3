namespace Moat.Security.Policy;

/// <summary>Which objects a caller may see and touch.</summary>
public enum AccessScope
{
    /// <summary>Every object.</summary>
    All,
    /// <summary>Only objects carrying the caller's owner label; others answer 404 as if missing.</summary>
    Own,
}

/// <summary>The outcome of one authorization question, with the rule that decided it (shown in denials and the audit log).</summary>
public sealed record Decision(bool Allowed, string Rule, AccessScope Scope = AccessScope.All)
{
    public bool IsAdmin { get; init; }

    public static Decision Allow(string rule, AccessScope scope = AccessScope.All) => new(true, rule, scope);
    public static Decision Deny(string rule) => new(false, rule);
}
