using Moat.Api.Routing;
using Moat.Engine.Events;

namespace Moat.Api.Security;

/// <summary>
/// Which events a caller of GET /events may see (e.g. only events of objects they own,
/// <see cref="DockerEvent.Owner"/>). Asked once per request for a predicate that is then applied to every
/// event of the stream, history and live.
/// </summary>
public interface IEventVisibility
{
    Func<DockerEvent, bool> VisibleTo(ApiRequest request);
}

/// <summary>dockerd's behaviour: every caller sees every event.</summary>
public sealed class AllEventsVisible : IEventVisibility
{
    private static readonly Func<DockerEvent, bool> All = _ => true;

    public Func<DockerEvent, bool> VisibleTo(ApiRequest request) => All;
}

/// <summary>
/// Authorization's "own" scope: a caller whose role has it sees only events of objects they own
/// (<see cref="DockerEvent.Owner"/>); everyone else sees every event.
/// </summary>
public sealed class OwnEventsVisible : IEventVisibility
{
    private static readonly Func<DockerEvent, bool> All = _ => true;

    public Func<DockerEvent, bool> VisibleTo(ApiRequest request) =>
        request.OwnerFilter() is { } owner ? e => string.Equals(e.Owner, owner, StringComparison.Ordinal) : All;
}
