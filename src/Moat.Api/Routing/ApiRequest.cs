using Microsoft.AspNetCore.Http;
using Moat.Api.Versioning;
using Moat.Security.Identity;

namespace Moat.Api.Routing;

/// <summary>One routed API call: the HTTP context plus what the router decided about it.</summary>
public sealed class ApiRequest
{
    public ApiRequest(HttpContext http, Route route, IReadOnlyDictionary<string, string> values, ApiVersion version)
    {
        Http = http;
        Route = route;
        Values = values;
        Version = version;
    }

    public HttpContext Http { get; }
    public Route Route { get; }
    /// <summary>Path parameters, already percent-decoded (e.g. "id", "name").</summary>
    public IReadOnlyDictionary<string, string> Values { get; }
    public ApiVersion Version { get; }
    /// <summary>The action name the policy sees, e.g. "container.create".</summary>
    public string Action => Route.Action;
    public CancellationToken Aborted => Http.RequestAborted;
    public IServiceProvider Services => Http.RequestServices;

    /// <summary>Who is calling; set from the connection before authorization (anonymous until identity is known).</summary>
    public Caller Caller { get; set; } = Caller.Anonymous;

    /// <summary>The connection the request came on, once the pipeline has established its caller.</summary>
    public Moat.Api.Security.IdentifiedConnection? Connection { get; internal set; }

    /// <summary>When the pipeline took the request (<see cref="System.Diagnostics.Stopwatch"/> timestamp).</summary>
    internal long Started { get; init; }

    /// <summary>Set by the authorizer: what the request is about, for the audit log (object id or name).</summary>
    public string? Resource { get; set; }

    /// <summary>The authorization decision in force (see RequestAuthorization); null without a policy.</summary>
    internal Moat.Security.Policy.Decision? Decision { get; set; }

    // The authorizer's bookkeeping for this request's audit entry: whose it is (null when the request is not
    // audited), whether Resource is an object id (else a name) and the name beside an id, and whether the entry
    // has been handed to the log (1) yet.
    internal Moat.Security.Audit.AuditIdentity? AuditIdentity;
    internal bool ResourceIsId;
    internal string? ResourceName;
    internal int AuditWritten;

    /// <summary>For a handler that created an object: the entry names it by its new id, beside the name asked for.</summary>
    internal void Created(string id)
    {
        if (!ResourceIsId) ResourceName = Resource;
        Resource = id;
        ResourceIsId = true;
    }

    /// <summary>
    /// For a handler that created an object inside another (an exec instance in a container): the entry names the
    /// new object by its id and the one it belongs to by name, so later entries about the new id lead back to it.
    /// </summary>
    internal void CreatedIn(string id, string ownerName)
    {
        Resource = id;
        ResourceIsId = true;
        ResourceName = ownerName;
    }

    public string Value(string name) => Values[name];
    /// <summary>The first value of a query parameter, as Go's <c>r.Form.Get</c> (repeated parameters are not joined).</summary>
    public string? Query(string name) => Http.Request.Query.TryGetValue(name, out var v) && v.Count > 0 ? v[0] : null;
}
