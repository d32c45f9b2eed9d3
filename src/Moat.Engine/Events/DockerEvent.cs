namespace Moat.Engine.Events;

/// <summary>One entry of GET /events: Type (container, image, volume, network, daemon), Action and the actor.</summary>
public sealed record DockerEvent(
    string Type,
    string Action,
    string ActorId,
    IReadOnlyDictionary<string, string> Attributes,
    DateTimeOffset Time)
{
    /// <summary>Owner of the object (authorization "own" scope); null for objects everyone may see.</summary>
    public string? Owner { get; init; }
}
