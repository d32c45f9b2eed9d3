using System.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Moat.Api.Errors;
using Moat.Api.Routing;
using Moat.Api.Security;
using Moat.Api.Versioning;

namespace Moat.Api;

/// <summary>
/// The request flow of STYLE.md, for every request Kestrel hands over:
/// <list type="number">
/// <item>headers every response carries (Server, Api-Version, Ostype, Docker-Experimental), errors included;</item>
/// <item>path: raw target → strict percent-decoding → unclean spellings redirected (301) like gorilla/mux;</item>
/// <item>route: exact method and template match on the unversioned path, else 404 "page not found";</item>
/// <item>version: the "/vX.Y" prefix judged as dockerd does (too old: plain text below 1.24; too new: JSON);</item>
/// <item>caller → authorize → handler; exceptions go to <see cref="ErrorResponseWriter"/>;</item>
/// <item>with debug logging on, one line per request (never bodies, header values or query values).</item>
/// </list>
/// </summary>
public sealed partial class ApiPipeline
{
    private readonly RouteTable _routes;
    private readonly IRequestAuthorizer _authorizer;
    private readonly ICallerResolver? _callers;
    private readonly ILogger<ApiPipeline> _logger;
    private readonly string _serverHeader;
    /// <summary>The Api-Version header, formatted once rather than on every request.</summary>
    private static readonly string MaxVersionText = ApiVersion.Max.ToString();

    public ApiPipeline(RouteTable routes, IRequestAuthorizer authorizer, ILogger<ApiPipeline> logger, ServerIdentity server, ICallerResolver? callers = null)
    {
        _routes = routes;
        _authorizer = authorizer;
        _callers = callers;
        _logger = logger;
        _serverHeader = $"Docker/{server.EngineVersion} (linux)";
    }

    public async Task InvokeAsync(HttpContext http)
    {
        long started = Stopwatch.GetTimestamp();
        var headers = http.Response.Headers;
        headers["Server"] = _serverHeader;
        headers["Api-Version"] = MaxVersionText;
        headers["Ostype"] = "linux";
        headers["Docker-Experimental"] = "false";

        ApiRequest? request = null;
        string path = "";
        int status = 0;
        try
        {
            status = await RunAsync(http, started, r => request = r, p => path = p);
        }
        catch (Exception e) when (ErrorResponseWriter.IsClientGone(http, e))
        {
            // The client hung up: a cancellation, nothing to answer and nothing to log as an error.
            status = 0;
        }
        catch (Exception e)
        {
            try
            {
                status = await ErrorResponseWriter.WriteAsync(http, e, _logger);
            }
            catch (Exception inner) when (ErrorResponseWriter.IsClientGone(http, inner))
            {
                status = 0;
            }
        }
        finally
        {
            if (request is not null)
            {
                var completed = Completed(request);
                if (!completed.IsCompletedSuccessfully) status = await CompletedAsync(http, completed, status);
            }
            if (_logger.IsEnabled(LogLevel.Debug))
                LogRequest(http, request, path, status, Stopwatch.GetElapsedTime(started));
        }
    }

    /// <summary>The authorizer's <see cref="IRequestAuthorizer.CompletedAsync"/>, a synchronous throw as a faulted task.</summary>
    private ValueTask Completed(ApiRequest request)
    {
        try
        {
            return _authorizer.CompletedAsync(request);
        }
        catch (Exception e)
        {
            return ValueTask.FromException(e);
        }
    }

    /// <summary>
    /// Waits for what the authorizer does once a request is done (its audit entry) when that did not finish at once.
    /// If it fails while the answer has not started, the answer is the failure: a state change that cannot be
    /// recorded is not reported as done.
    /// </summary>
    private async ValueTask<int> CompletedAsync(HttpContext http, ValueTask completed, int status)
    {
        try
        {
            await completed;
            return status;
        }
        catch (Exception e)
        {
            // Nothing left to answer: the audit log has reported its own failure.
            if (http.Response.HasStarted || http.RequestAborted.IsCancellationRequested) return status;
            try
            {
                return await ErrorResponseWriter.WriteAsync(http, e, _logger);
            }
            catch (Exception inner) when (ErrorResponseWriter.IsClientGone(http, inner))
            {
                return 0;
            }
        }
    }

    /// <summary>Runs one request; returns the status written (0 when the client went away).</summary>
    private async Task<int> RunAsync(HttpContext http, long started, Action<ApiRequest> routed, Action<string> pathSeen)
    {
        if (!RequestPath.TryDecode(RequestPath.RawPath(http), out string decoded))
        {
            await ErrorResponseWriter.WriteMessageAsync(http, StatusCodes.Status400BadRequest, "invalid request URI");
            return StatusCodes.Status400BadRequest;
        }
        pathSeen(decoded);

        string clean = RequestPath.Clean(decoded);
        if (!string.Equals(clean, decoded, StringComparison.Ordinal))
        {
            // gorilla/mux: "Clean path to canonical form and redirect." Nothing runs for the unclean spelling.
            var query = http.Request.QueryString;
            http.Response.StatusCode = StatusCodes.Status301MovedPermanently;
            http.Response.Headers.Location = RequestPath.Escape(clean) + (query.HasValue ? query.Value : "");
            http.Response.ContentLength = 0;
            return StatusCodes.Status301MovedPermanently;
        }

        string routePath = clean;
        string? versionText = null;
        if (RequestPath.TrySplitVersion(clean, out var prefix, out var rest))
        {
            versionText = prefix;
            routePath = rest;
        }

        var route = _routes.Match(http.Request.Method, routePath, out var values);
        if (route is null)
        {
            await ErrorResponseWriter.WriteMessageAsync(http, StatusCodes.Status404NotFound, "page not found");
            return StatusCodes.Status404NotFound;
        }

        var version = ApiVersion.Default;
        if (versionText is not null)
        {
            if (VersionText.IsBelow(versionText, ApiVersion.Min))
            {
                string message = $"client version {versionText} is too old. Minimum supported API version is {ApiVersion.Min}, please upgrade your client to a newer version";
                // dockerd answers API versions up to 1.23 with http.Error (plain text), newer ones with JSON.
                if (VersionText.IsAbove(versionText, new ApiVersion(1, 23)))
                    await ErrorResponseWriter.WriteMessageAsync(http, StatusCodes.Status400BadRequest, message);
                else
                    await ErrorResponseWriter.WritePlainAsync(http, StatusCodes.Status400BadRequest, message);
                return StatusCodes.Status400BadRequest;
            }
            if (VersionText.IsAbove(versionText, ApiVersion.Max))
            {
                await ErrorResponseWriter.WriteMessageAsync(http, StatusCodes.Status400BadRequest,
                    $"client version {versionText} is too new. Maximum supported API version is {ApiVersion.Max}");
                return StatusCodes.Status400BadRequest;
            }
            version = VersionText.ToApiVersion(versionText);
        }

        var request = new ApiRequest(http, route, values, version) { Started = started };
        http.Items[typeof(ApiRequest)] = request;
        routed(request);
        if (_callers is not null)
        {
            var connection = await _callers.ConnectionAsync(http);
            request.Connection = connection;
            request.Caller = connection.Caller;
        }
        await _authorizer.AuthorizeAsync(request);
        await route.Handler(request);
        return http.RequestAborted.IsCancellationRequested ? 0 : http.Response.StatusCode;
    }
}

/// <summary>Facts about this daemon that appear in headers and /version.</summary>
public sealed record ServerIdentity(string EngineVersion, string GitCommit);
