using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Moat.Api.Errors;
using Moat.Api.Routing;
using Moat.Api.Security;
using Moat.Api.Versioning;

namespace Moat.Api;

/// <summary>
/// The request flow of STYLE.md: clean path → version → route → authorize → handler, with errors
/// written in Docker's format by one writer. Kestrel calls <see cref="InvokeAsync"/> for every request.
/// </summary>
public sealed partial class ApiPipeline
{
    private readonly RouteTable _routes;
    private readonly IRequestAuthorizer _authorizer;
    private readonly ILogger<ApiPipeline> _logger;
    private readonly string _serverHeader;

    public ApiPipeline(RouteTable routes, IRequestAuthorizer authorizer, ILogger<ApiPipeline> logger, ServerIdentity server)
    {
        _routes = routes;
        _authorizer = authorizer;
        _logger = logger;
        _serverHeader = $"Docker/{server.EngineVersion} (linux)";
    }

    public async Task InvokeAsync(HttpContext http)
    {
        var headers = http.Response.Headers;
        headers["Server"] = _serverHeader;
        headers["Api-Version"] = ApiVersion.Max.ToString();
        headers["Ostype"] = "linux";
        headers["Docker-Experimental"] = "false";

        try
        {
            string path = RequestPath.Clean(RequestPath.Raw(http));
            var version = ApiVersion.Default;
            if (RequestPath.TrySplitVersion(path, out var versionText, out var rest))
            {
                path = rest;
                if (!ApiVersion.TryParse(versionText, out version))
                {
                    await ErrorResponseWriter.WriteMessageAsync(http, StatusCodes.Status404NotFound, "page not found");
                    return;
                }
                if (version < ApiVersion.Min)
                {
                    // dockerd answers versions below its minimum with http.Error: plain text, not JSON.
                    http.Response.StatusCode = StatusCodes.Status400BadRequest;
                    http.Response.ContentType = "text/plain; charset=utf-8";
                    await http.Response.WriteAsync($"client version {version} is too old. Minimum supported API version is {ApiVersion.Min}, please upgrade your client to a newer version\n", http.RequestAborted);
                    return;
                }
                if (version > ApiVersion.Max)
                {
                    await ErrorResponseWriter.WriteMessageAsync(http, StatusCodes.Status400BadRequest, $"client version {version} is too new. Maximum supported API version is {ApiVersion.Max}");
                    return;
                }
            }

            var route = _routes.Match(http.Request.Method, path, out var values);
            if (route is null)
            {
                await ErrorResponseWriter.WriteMessageAsync(http, StatusCodes.Status404NotFound, "page not found");
                return;
            }

            var request = new ApiRequest(http, route, values, version);
            http.Items[typeof(ApiRequest)] = request;
            await _authorizer.AuthorizeAsync(request);
            await route.Handler(request);
        }
        catch (OperationCanceledException) when (http.RequestAborted.IsCancellationRequested)
        {
            // The client hung up; nothing to answer.
        }
        catch (Exception e)
        {
            await ErrorResponseWriter.WriteAsync(http, e, _logger);
        }
    }
}

/// <summary>Facts about this daemon that appear in headers and /version.</summary>
public sealed record ServerIdentity(string EngineVersion, string GitCommit);
