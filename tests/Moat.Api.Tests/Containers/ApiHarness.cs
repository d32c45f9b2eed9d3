using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Moat.Api.Containers;
using Moat.Api.Routing;
using Moat.Api.Security;
using Moat.Api.Volumes;
using Moat.Engine.Containers;

namespace Moat.Api.Tests.Containers;

/// <summary>The real pipeline, routes and container/volume services over a temp data-root (no image store, no runtime).</summary>
internal sealed class ApiHarness : IDisposable
{
    private readonly ServiceProvider _services;

    public ApiHarness()
    {
        DataRoot = Path.Combine(Path.GetTempPath(), "moat-apitest-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(DataRoot);
        var routes = new RouteTable();
        ContainerRoutes.Map(routes);
        VolumeRoutes.Map(routes);
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddContainers(new ContainerOptions { DataRoot = DataRoot });
        services.AddSingleton<IRequestAuthorizer, AllowAllAuthorizer>();
        services.AddSingleton(routes);
        services.AddSingleton(new ServerIdentity("28.2.2-moat", "test"));
        services.AddSingleton<ApiPipeline>();
        _services = services.BuildServiceProvider();
    }

    public string DataRoot { get; }

    public ContainerStore Store => _services.GetRequiredService<ContainerStore>();

    public ContainerRecord AddContainer(string name, ContainerStatus status)
    {
        var r = new ContainerRecord
        {
            Id = ContainerNames.NewId(),
            Name = "/" + name,
            Created = DateTimeOffset.UtcNow,
            Path = "sh",
            Config = new Contracts.Containers.ContainerConfig { Image = "busybox" },
        };
        r.State.Status = status;
        Directory.CreateDirectory(Store.DirectoryOf(r.Id));
        r.LogPath = Path.Combine(Store.DirectoryOf(r.Id), r.Id + "-json.log");
        File.WriteAllText(r.LogPath, "");
        Store.Add(r);
        return r;
    }

    public async Task<(int Status, string Body, string? ContentType)> SendAsync(string method, string target, string? body = null)
    {
        var http = new DefaultHttpContext { RequestServices = _services };
        int q = target.IndexOf('?');
        http.Request.Method = method;
        http.Request.Path = q < 0 ? target : target[..q];
        http.Request.QueryString = q < 0 ? QueryString.Empty : new QueryString(target[q..]);
        http.Features.Get<IHttpRequestFeature>()!.RawTarget = target;
        http.Request.Body = new MemoryStream(Encoding.UTF8.GetBytes(body ?? ""));
        if (body is not null) http.Request.ContentType = "application/json";
        var response = new MemoryStream();
        http.Response.Body = response;
        await _services.GetRequiredService<ApiPipeline>().InvokeAsync(http);
        return (http.Response.StatusCode, Encoding.UTF8.GetString(response.ToArray()), http.Response.ContentType);
    }

    public static string Message(string body) =>
        System.Text.Json.JsonDocument.Parse(body).RootElement.GetProperty("message").GetString() ?? "";

    public void Dispose()
    {
        _services.Dispose();
        try { Directory.Delete(DataRoot, recursive: true); } catch (IOException) { }
    }
}
