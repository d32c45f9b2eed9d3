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
/// </summary>
public sealed class PolicyAuthorizer : IRequestAuthorizer
{
    private readonly PolicyStore _store;
    private readonly ConnectionIdentity _identity;
    private readonly AuditLog? _audit;
    private readonly PolicyHostFacts _daemon;

    public PolicyAuthorizer(PolicyStore store, ConnectionIdentity identity, AuditLog? audit, PolicyHostFacts daemon)
    {
        _store = store;
        _identity = identity;
        _audit = audit;
        _daemon = daemon;
    }

    public ValueTask AuthorizeAsync(ApiRequest request)
    {
        var http = request.Http;
        var caller = _identity.Resolve(http);
        request.Caller = caller;
        request.Resource ??= ObjectOf(request);
        var connection = ConnectionCache.For(http, _store.Current);
        var decision = connection.Authorize(caller, request.Action);
        RequestAuthorization.Record(request, decision);

        if (_audit is not null && request.Action != Actions.Ping)
        {
            var record = new AuditRecord(_audit, request, connection.IdentityOf(caller));
            http.Response.OnStarting(static r => ((AuditRecord)r).OnStartingAsync(), record);
            http.Response.OnCompleted(static r => ((AuditRecord)r).OnCompletedAsync(), record);
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

    private static ForbiddenException Denied(Decision decision) => new($"authorization denied by policy: {decision.Rule}");

    private static string? ObjectOf(ApiRequest request) =>
        request.Values.TryGetValue("id", out var id) ? id
        : request.Values.TryGetValue("name", out var name) ? name
        // ?name= names the object only where one is created (POST /containers/create); reads skip the query parse.
        : HttpMethods.IsPost(request.Http.Request.Method) && request.Http.Request.QueryString.HasValue ? request.Query("name")
        : null;

    /// <summary>
    /// A connection's caller is fixed, so a decision on (policy, action) is too, and so are the caller's audit fields:
    /// both are computed once per connection and policy generation. A reload brings a new policy object, which starts
    /// a new cache. Requests on one HTTP/1.1 connection are sequential, so the cache needs no lock.
    /// </summary>
    private sealed class ConnectionCache
    {
        private static readonly object Key = new();
        private readonly AuthorizationPolicy _policy;
        private readonly Dictionary<string, Decision> _byAction = new(StringComparer.Ordinal);
        private AuditIdentity? _identity;

        private ConnectionCache(AuthorizationPolicy policy) => _policy = policy;

        public static ConnectionCache For(HttpContext http, AuthorizationPolicy policy)
        {
            var items = http.Features.Get<Microsoft.AspNetCore.Connections.Features.IConnectionItemsFeature>()?.Items;
            if (items is null) return new ConnectionCache(policy);
            if (items.TryGetValue(Key, out var o) && o is ConnectionCache cache && ReferenceEquals(cache._policy, policy)) return cache;
            var fresh = new ConnectionCache(policy);
            items[Key] = fresh;
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

    /// <summary>Writes the request's audit entry once, when the response starts (durably first, for state-changing methods).</summary>
    private sealed class AuditRecord
    {
        private readonly AuditLog _audit;
        private readonly ApiRequest _request;
        private readonly AuditIdentity _identity;
        private readonly long _started = System.Diagnostics.Stopwatch.GetTimestamp();
        private int _written;

        public AuditRecord(AuditLog audit, ApiRequest request, AuditIdentity identity)
        {
            _audit = audit;
            _request = request;
            _identity = identity;
        }

        public Task OnStartingAsync()
        {
            if (Interlocked.Exchange(ref _written, 1) != 0) return Task.CompletedTask;
            // Reads are group-committed in the background; a state change is on disk before its answer leaves.
            bool read = HttpMethods.IsGet(_request.Http.Request.Method) || HttpMethods.IsHead(_request.Http.Request.Method);
            return _audit.RecordRequest(Build(_request.Http.Response.StatusCode), durable: !read);
        }

        public Task OnCompletedAsync()
        {
            if (Interlocked.Exchange(ref _written, 1) != 0) return Task.CompletedTask;
            // The response never started (the client hung up first): record it with the status it would have had.
            int status = _request.Http.RequestAborted.IsCancellationRequested ? 499 : _request.Http.Response.StatusCode;
            return _audit.RecordRequest(Build(status), durable: true);
        }

        private AuditRequest Build(int status)
        {
            var decision = RequestAuthorization.DecisionOf(_request);
            bool idValue = _request.Values.ContainsKey("id");
            return new AuditRequest(
                RequestId: _request.Http.TraceIdentifier,
                Identity: _identity,
                Method: _request.Http.Request.Method,
                Action: _request.Action,
                ObjectId: idValue ? _request.Resource : null,
                ObjectName: idValue ? null : _request.Resource,
                Decision: decision is null ? null : decision.Allowed ? "allow" : "deny",
                Rule: decision?.Rule,
                Status: status,
                DurationMicroseconds: (long)System.Diagnostics.Stopwatch.GetElapsedTime(_started).TotalMicroseconds);
        }
    }
}
