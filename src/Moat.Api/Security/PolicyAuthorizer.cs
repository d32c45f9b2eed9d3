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
        var decision = _store.Current.Authorize(caller, request.Action);
        RequestAuthorization.Record(request, decision);

        if (_audit is not null && request.Action != Actions.Ping)
        {
            var record = new AuditRecord(_audit, request);
            http.Items[typeof(AuditRecord)] = record;
            http.Response.OnStarting(record.OnStartingAsync);
            http.Response.OnCompleted(record.OnCompletedAsync);
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
        : request.Query("name");

    /// <summary>Writes the request's audit entry once, when the response starts (durably first, for state-changing methods).</summary>
    private sealed class AuditRecord
    {
        private readonly AuditLog _audit;
        private readonly ApiRequest _request;
        private readonly long _started = System.Diagnostics.Stopwatch.GetTimestamp();
        private int _written;

        public AuditRecord(AuditLog audit, ApiRequest request)
        {
            _audit = audit;
            _request = request;
        }

        public Task OnStartingAsync()
        {
            if (Interlocked.Exchange(ref _written, 1) != 0) return Task.CompletedTask;
            // Reads are group-committed in the background; a state change is on disk before its answer leaves.
            bool read = HttpMethods.IsGet(_request.Http.Request.Method) || HttpMethods.IsHead(_request.Http.Request.Method);
            var write = _audit.AppendAsync(Build(_request.Http.Response.StatusCode), urgent: !read);
            return read ? Task.CompletedTask : write;
        }

        public Task OnCompletedAsync()
        {
            if (Interlocked.Exchange(ref _written, 1) != 0) return Task.CompletedTask;
            // The response never started (the client hung up first): record it with the status it would have had.
            int status = _request.Http.RequestAborted.IsCancellationRequested ? 499 : _request.Http.Response.StatusCode;
            return _audit.AppendAsync(Build(status));
        }

        private AuditEntry Build(int status)
        {
            var caller = _request.Caller;
            var decision = RequestAuthorization.DecisionOf(_request);
            bool idValue = _request.Values.ContainsKey("id");
            return new AuditEntry
            {
                Kind = "request",
                RequestId = _request.Http.TraceIdentifier,
                User = caller.User,
                Groups = caller.Groups.Count == 0 ? null : caller.Groups,
                Auth = caller.Method switch { AuthMethod.PeerCredentials => "peercred", AuthMethod.Tls => "tls", _ => "none" },
                Uid = caller.Uid,
                Gid = caller.Gid,
                Pid = caller.Pid,
                CertSerial = caller.CertificateSerial,
                CertFingerprint = caller.CertificateFingerprint,
                Transport = caller.Transport,
                Remote = caller.RemoteAddress,
                Method = _request.Http.Request.Method,
                Action = _request.Action,
                ObjectId = idValue ? _request.Resource : null,
                ObjectName = idValue ? null : _request.Resource,
                Decision = decision is null ? null : decision.Allowed ? "allow" : "deny",
                Rule = decision?.Rule,
                Status = status,
                DurationMs = Math.Round(System.Diagnostics.Stopwatch.GetElapsedTime(_started).TotalMilliseconds, 3),
            };
        }
    }
}
