namespace Moat.Engine.Events;

/// <summary>
/// One entry of GET /events: Type (container, image, volume, network, daemon, plugin), Action (start, die,
/// "exec_start: sh -c …") and the actor (ID plus attributes such as name, image and the object's labels).
/// </summary>
public sealed record DockerEvent(
    string Type,
    string Action,
    string ActorId,
    IReadOnlyDictionary<string, string> Attributes,
    DateTimeOffset Time)
{
    /// <summary>Owner of the object (authorization "own" scope); null for objects everyone may see.</summary>
    public string? Owner { get; init; }

    /// <summary>"local" for everything Moat publishes ("swarm" exists only in swarm mode).</summary>
    public string Scope { get; init; } = "local";

    /// <summary>Nanoseconds since the Unix epoch (the wire's timeNano; 100 ns resolution).</summary>
    public long UnixTimeNanoseconds => (Time.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) * 100;
}
