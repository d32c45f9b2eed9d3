namespace Moat.Security.Policy;

/// <summary>Objects a caller creates carry this label with the caller's name; only administrators may set it.</summary>
public static class Ownership
{
    public const string Label = "moat.owner";
}
