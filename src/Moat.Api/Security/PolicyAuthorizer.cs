using System.Diagnostics;
using Microsoft.AspNetCore.Http;
using Moat.Api.Routing;
using Moat.Engine.Errors;
using Moat.Security.Audit;
using Moat.Security.Identity;
using Moat.Security.Policy;

namespace Moat.Api.Security;

/// <summary>
/// The daemon's authorization: identity from the connection, the route's action against the policy, the
/// decoded create request against the role's constraints, and one audit entry per decision. Denials are
/// 403 "authorization denied by policy: &lt;rule&gt;". Any failure denies.
/// <para>
/// When the entry is written: a state change's as its response starts, and durably, so that what was answered is
/// on record; a stream's (events, logs -f) as it starts too, so that a watcher is on record while watching. A plain
/// read's when the pipeline is done with it (<see cref="CompletedAsync"/>), which spares the per-request response
/// callback on the busiest path; reads are group-committed either way. A response that never started (the client
/// went away) is recorded at the end with status 499.
/// </para>
/// </summary>
public sealed class PolicyAuthorizer : IRequestAuthorizer
{
    private readonly PolicyStore _store;
    private readonly ConnectionIdentity _identity;
    private readonly AuditLog? _audit;
    private readonly PolicyHostFacts _daemon;
    private readonly Func<object, Task> _onResponseStarting;

    public PolicyAuthorizer(PolicyStore store, ConnectionIdentity identity, AuditLog? audit, PolicyHostFacts daemon)
    {
        _store = store;
        _identity = identity;
        _audit = audit;
        _daemon = daemon;
        _onResponseStarting = state => Record((ApiRequest)state);
    }

    public ValueTask AuthorizeAsync(ApiRequest request)
    {
        var http = request.Http;
        // The pipeline has established the connection and its caller; without it, one lookup does.
        var connection = request.Connection ??= _identity.Connection(http);
        var caller = connection.Caller;
        request.Caller = caller;
        if (request.Resource is null) (request.Resource, request.ResourceIsId) = ObjectOf(request);
        var cache = ConnectionCache.For(connection, _store.Current);
        var decision = cache.Authorize(caller, request.Action);
        RequestAuthorization.Record(request, decision);

        if (_audit is not null && request.Action != Actions.Ping)
        {
            request.AuditIdentity = cache.IdentityOf(caller);
            if (!IsRead(request) || request.Route.Streams) http.Response.OnStarting(_onResponseStarting, request);
        }

        if (!decision.Allowed) throw Denied(decision);
        return ValueTask.CompletedTask;
    }

    public ValueTask AuthorizeBodyAsync<T>(ApiRequest request, T body) where T : class
    {
        var policy = _store.Current;
        var decision = body switch
        {
            ContainerCreateFacts c => policy.AuthorizeContainerCreate(request.Caller, c, _daemon, request.Action),
            ExecCreateFacts e => policy.AuthorizeExecCreate(request.Caller, e, request.Action),
            VolumeCreateFacts v => policy.AuthorizeVolumeCreate(request.Caller, v, _daemon, request.Action),
            // Fail closed: a body this authorizer has no constraints for is a wiring bug, never a pass.
            _ => throw new ForbiddenException($"authorization denied by policy: no constraint check for {typeof(T).Name}"),
        };
        RequestAuthorization.Record(request, decision);
        if (!decision.Allowed) throw Denied(decision);
        return ValueTask.CompletedTask;
    }

    public ValueTask CompletedAsync(ApiRequest request) => new(Record(request));

    /// <summary>Hands the request's entry to the log, once: the status sent, or 499 when no response started and the client is gone.</summary>
    private Task Record(ApiRequest request)
    {
        if (request.AuditIdentity is not { } identity || Interlocked.Exchange(ref request.AuditWritten, 1) != 0) return Task.CompletedTask;
        var http = request.Http;
        int status = http.Response.HasStarted || !http.RequestAborted.IsCancellationRequested ? http.Response.StatusCode : 499;
        var decision = request.Decision;
        var entry = new AuditRequest(
            RequestId: http.TraceIdentifier,
            Identity: identity,
            Method: http.Request.Method,
            Action: request.Action,
            ObjectId: request.ResourceIsId ? request.Resource : null,
            ObjectName: request.ResourceIsId ? request.ResourceName : request.Resource,
            Decision: decision is null ? null : decision.Allowed ? "allow" : "deny",
            Rule: decision?.Rule,
            Status: status,
            DurationMicroseconds: (long)Stopwatch.GetElapsedTime(request.Started).TotalMicroseconds);
        // Reads are group-committed in the background; a state change is on disk before its answer leaves.
        return _audit!.RecordRequest(entry, durable: !IsRead(request));
    }

    private static bool IsRead(ApiRequest request) =>
        HttpMethods.IsGet(request.Http.Request.Method) || HttpMethods.IsHead(request.Http.Request.Method);

    private static ForbiddenException Denied(Decision decision) => new($"authorization denied by policy: {decision.Rule}");

    /// <summary>What the request is about, and whether that is an object id (else a name, or nothing).</summary>
    private static (string? Resource, bool IsId) ObjectOf(ApiRequest request) =>
        request.Values.TryGetValue("id", out var id) ? (id, true)
        : request.Values.TryGetValue("name", out var name) ? (name, false)
        // ?name= names the object only where one is created (POST /containers/create); reads skip the query parse.
        : HttpMethods.IsPost(request.Http.Request.Method) && request.Http.Request.QueryString.HasValue ? (request.Query("name"), false)
        : (null, false);

    /// <summary>
    /// A connection's caller is fixed, so a decision on (policy, action) is too, and so are the caller's audit fields:
    /// both are computed once per connection and policy generation. A reload brings a new policy object, which starts
    /// a new cache. Requests on one HTTP/1.1 connection are sequential, so the cache needs no lock.
    /// </summary>
    private sealed class ConnectionCache
    {
        private readonly AuthorizationPolicy _policy;
        private readonly Dictionary<string, Decision> _byAction = new(StringComparer.Ordinal);
        private AuditIdentity? _identity;

        private ConnectionCache(AuthorizationPolicy policy) => _policy = policy;

        public static ConnectionCache For(IdentifiedConnection connection, AuthorizationPolicy policy)
        {
            if (connection.AuthorizerState is ConnectionCache cache && ReferenceEquals(cache._policy, policy)) return cache;
            var fresh = new ConnectionCache(policy);
            connection.AuthorizerState = fresh;
            return fresh;
        }

        /// <summary>The caller's audit fields, encoded once per connection (its caller is fixed).</summary>
        public AuditIdentity IdentityOf(Caller caller) =>
            _identity ??= new AuditIdentity(
                caller.User,
                caller.Groups.Count == 0 ? null : caller.Groups,
                caller.Method switch { AuthMethod.PeerCredentials => "peercred", AuthMethod.Tls => "tls", _ => "none" },
                caller.Uid, caller.Gid, caller.Pid, caller.CertificateSerial, caller.CertificateFingerprint, caller.Transport, caller.RemoteAddress);

        public Decision Authorize(Caller caller, string action)
        {
            if (_byAction.TryGetValue(action, out var known)) return known;
            var decision = _policy.Authorize(caller, action);
            _byAction[action] = decision;
            return decision;
        }
    }
}
