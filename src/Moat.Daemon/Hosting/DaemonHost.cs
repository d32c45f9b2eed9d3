using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Moat.Api;
using Moat.Api.Routing;
using Moat.Api.Security;
using Moat.Api.SystemInfo;
using Moat.Api.Containers;
using Moat.Api.Volumes;
using Moat.Daemon.Configuration;

namespace Moat.Daemon.Hosting;

/// <summary>The composition root: builds services, routes and listeners from the settings and runs until a signal.</summary>
public static class DaemonHost
{
    public const string EngineVersion = "28.2.2-moat";

    public static async Task<int> RunAsync(DaemonSettings settings)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o => o.SingleLine = true);
        builder.Logging.SetMinimumLevel(settings.Debug ? LogLevel.Debug : LogLevel.Information);
        builder.Logging.AddFilter("Microsoft", LogLevel.Warning);

        var server = new ServerIdentity(EngineVersion, "moat");
        var routes = new RouteTable();
        SystemRoutes.Map(routes, server);
        DiskUsageRoute.Map(routes);
        Moat.Api.Images.ImageRoutes.Map(routes);
        ContainerRoutes.Map(routes);
        VolumeRoutes.Map(routes);

        builder.Services.AddSingleton(settings);
        builder.Services.AddSingleton(server);
        builder.Services.AddSingleton(routes);
        builder.Services.AddSingleton<IRequestAuthorizer, AllowAllAuthorizer>();
        builder.Services.AddSingleton<ApiPipeline>();
        Moat.Api.Images.ImagesServiceCollectionExtensions.AddImages(builder.Services, settings.DataRoot);
        builder.Services.AddContainers(ContainerSetup.Options(settings), ContainerSetup.Runtime(settings));

        builder.WebHost.UseKestrel(k =>
        {
            k.AddServerHeader = false;
            foreach (var host in settings.Hosts)
            {
                if (host.StartsWith("unix://", StringComparison.Ordinal))
                {
                    string path = host["unix://".Length..];
                    Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                    if (File.Exists(path)) File.Delete(path);
                    k.ListenUnixSocket(path);
                }
                else if (host.StartsWith("tcp://", StringComparison.Ordinal))
                {
                    var uri = new Uri(host.Replace("tcp://", "http://"));
                    k.Listen(System.Net.IPAddress.Parse(uri.Host == "localhost" ? "127.0.0.1" : uri.Host), uri.Port);
                }
            }
        });

        var app = builder.Build();
        var pipeline = app.Services.GetRequiredService<ApiPipeline>();
        app.Run(pipeline.InvokeAsync);
        await app.RunAsync();
        return 0;
    }
}
