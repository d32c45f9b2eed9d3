using System.Runtime.InteropServices;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Moat.Api.Contracts.SystemInfo;
using Moat.Api.Routing;
using Moat.Api.Versioning;

namespace Moat.Api.SystemInfo;

/// <summary>
/// The system routes: /_ping and /version (always allowed, so that the CLI's version negotiation never
/// fails), /info, /events and /system/df (their services come from <see cref="SystemInfoServices.AddMoatSystemInfo"/>).
/// </summary>
public static class SystemRoutes
{
    public static void Map(RouteTable routes, ServerIdentity server)
    {
        routes.MapGet("/_ping", "system.ping", Ping);
        routes.MapHead("/_ping", "system.ping", Ping);
        routes.MapGet("/version", "system.version", request => Version(request, server));
        routes.MapGet("/info", "system.info", Info);
        routes.MapGet("/events", "system.events", EventsEndpoint.HandleAsync, streams: true);
        routes.MapGet("/system/df", "system.df", SystemDfEndpoint.HandleAsync);
    }

    private static Task Info(ApiRequest request)
    {
        var info = request.Services.GetRequiredService<SystemInfoService>().Build(request.Version);
        return ApiResults.JsonAsync(request.Http, info, SystemJsonContext.Default.SystemInfoResponse);
    }

    private static Task Ping(ApiRequest request)
    {
        var response = request.Http.Response;
        response.Headers.CacheControl = "no-cache, no-store, must-revalidate";
        response.Headers.Pragma = "no-cache";
        response.Headers["Builder-Version"] = "1";
        response.Headers["Swarm"] = "inactive";
        response.ContentType = "text/plain; charset=utf-8";
        if (HttpMethods.IsHead(request.Http.Request.Method))
        {
            response.ContentLength = 0;
            return Task.CompletedTask;
        }
        response.ContentLength = 2;
        return response.Body.WriteAsync("OK"u8.ToArray(), request.Aborted).AsTask();
    }

    private static Task Version(ApiRequest request, ServerIdentity server)
    {
        string kernel = KernelRelease();
        string arch = RuntimeInformation.OSArchitecture switch
        {
            Architecture.X64 => "amd64",
            Architecture.Arm64 => "arm64",
            var a => a.ToString().ToLowerInvariant(),
        };
        var body = new SystemVersion
        {
            Platform = new VersionPlatform { Name = "Moat Engine" },
            Components =
            [
                new VersionComponent
                {
                    Name = "Engine",
                    Version = server.EngineVersion,
                    Details = new()
                    {
                        ["ApiVersion"] = ApiVersion.Max.ToString(),
                        ["Arch"] = arch,
                        ["BuildTime"] = "",
                        ["Experimental"] = "false",
                        ["GitCommit"] = server.GitCommit,
                        ["GoVersion"] = RuntimeInformation.FrameworkDescription,
                        ["KernelVersion"] = kernel,
                        ["MinAPIVersion"] = ApiVersion.Min.ToString(),
                        ["Os"] = "linux",
                    },
                },
            ],
            Version = server.EngineVersion,
            ApiVersion = ApiVersion.Max.ToString(),
            MinAPIVersion = ApiVersion.Min.ToString(),
            GitCommit = server.GitCommit,
            GoVersion = RuntimeInformation.FrameworkDescription,
            Os = "linux",
            Arch = arch,
            KernelVersion = kernel,
        };
        return ApiResults.JsonAsync(request.Http, body, SystemJsonContext.Default.SystemVersion);
    }

    internal static string KernelRelease()
    {
        try { return File.ReadAllText("/proc/sys/kernel/osrelease").Trim(); }
        catch (IOException) { return ""; }
    }
}
