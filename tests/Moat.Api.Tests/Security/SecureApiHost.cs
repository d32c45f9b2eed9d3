using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Moat.Api.Json;
using Moat.Api.Routing;
using Moat.Api.Security;
using Moat.Security.Policy;

namespace Moat.Api.Tests.Security;

[JsonSourceGenerationOptions(PropertyNameCaseInsensitive = true)]
[JsonSerializable(typeof(ContainerCreateBody))]
internal sealed partial class TestCreateJsonContext : JsonSerializerContext;

/// <summary>
/// The real pipeline on real Kestrel (loopback TCP and a unix socket) with the policy authorizer and fake
/// handlers that behave like the real ones: decode the body strictly, authorize the decoded object, then run.
/// </summary>
public sealed class SecureApiHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private SecureApiHost(WebApplication app, string dir)
    {
        _app = app;
        Dir = dir;
    }

    public string Dir { get; }
    public string PolicyPath => Path.Combine(Dir, "policy.json");
    public string AuditPath => Path.Combine(Dir, "audit", "audit.log");
    public string SocketPath => Path.Combine(Dir, "api.sock");
    public int Port { get; private set; }
    public int TlsPort { get; private set; }
    public ConcurrentQueue<ContainerCreateFacts> Created { get; } = new();
    public ConcurrentQueue<string> Ran { get; } = new();
    public PolicyStore Store => _app.Services.GetRequiredService<PolicyStore>();

    public const string DefaultPolicy = """
        {
          "roles": {
            "tester": { "actions": ["container.create", "container.list", "container.start", "system.info"] }
          },
          "bindings": [ { "role": "tester", "anonymous": true } ]
        }
        """;

    public static async Task<SecureApiHost> StartAsync(string policy = DefaultPolicy, Action<Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions>? listen = null, bool trustClientCertificates = true)
    {
        string dir = Directory.CreateTempSubdirectory("moat-secure-api-").FullName;
        File.WriteAllText(Path.Combine(dir, "policy.json"), policy);

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        var routes = new RouteTable();
        builder.Services.AddSingleton(routes);
        builder.Services.AddSingleton(new ServerIdentity("28.2.2-test", "test"));
        builder.Services.AddMoatSecurity(new SecurityOptions
        {
            PolicyPath = Path.Combine(dir, "policy.json"),
            AuditLogPath = Path.Combine(dir, "audit", "audit.log"),
            ProtectedPaths = [Path.Combine(dir, "data")],
            TrustClientCertificates = trustClientCertificates,
        });
        builder.Services.AddSingleton<ApiPipeline>();
        builder.WebHost.UseKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Listen(IPAddress.Loopback, 0);
            k.ListenUnixSocket(Path.Combine(dir, "api.sock"));
            listen?.Invoke(k);
        });
        var app = builder.Build();
        var host = new SecureApiHost(app, dir);
        host.Map(routes);
        app.Run(app.Services.GetRequiredService<ApiPipeline>().InvokeAsync);
        await app.StartAsync();
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
        host.Port = new Uri(addresses.First(a => a.StartsWith("http://127.0.0.1", StringComparison.Ordinal))).Port;
        host.TlsPort = addresses.Where(a => a.StartsWith("https://127.0.0.1", StringComparison.Ordinal)).Select(a => new Uri(a).Port).FirstOrDefault();
        return host;
    }

    private void Map(RouteTable routes)
    {
        routes.MapGet("/_ping", "system.ping", r => Text(r, "OK"));
        routes.MapGet("/version", "system.version", r => Text(r, "{}"));
        routes.MapGet("/info", "system.info", r => Text(r, "{}"));
        routes.MapPost("/containers/create", "container.create", async r =>
        {
            var body = await RequestBody.ReadJsonAsync(r, TestCreateJsonContext.Default.ContainerCreateBody);
            var facts = body?.ToFacts() ?? new ContainerCreateFacts();
            await r.Services.GetRequiredService<IRequestAuthorizer>().AuthorizeBodyAsync(r, facts);
            Created.Enqueue(facts);
            r.Http.Response.StatusCode = 201;
            await Text(r, "{\"Id\":\"abc\",\"Owner\":\"" + r.OwnerToStamp() + "\"}");
        });
        routes.MapGet("/containers/json", "container.list", r => Text(r, "{\"OwnerFilter\":\"" + r.OwnerFilter() + "\"}"));
        // A stream that runs until the client leaves, like GET /events.
        routes.MapGet("/events", "system.events", async r =>
        {
            r.Http.Response.ContentType = "application/json";
            await r.Http.Response.WriteAsync("{}\n", r.Aborted);
            await r.Http.Response.Body.FlushAsync(r.Aborted);
            try { await Task.Delay(Timeout.Infinite, r.Aborted); } catch (OperationCanceledException) { }
        }, streams: true);
        // A read that answers nothing until the client leaves.
        routes.MapGet("/containers/{id}/top", "container.top", async r =>
        {
            try { await Task.Delay(Timeout.Infinite, r.Aborted); } catch (OperationCanceledException) { }
        });
        foreach (var verb in new[] { "start", "pause", "stop" })
            routes.MapPost($"/containers/{{id}}/{verb}", $"container.{verb}", r => { Ran.Enqueue($"{verb} {r.Value("id")}"); r.Http.Response.StatusCode = 204; return Task.CompletedTask; });
        routes.MapDelete("/containers/{id}", "container.delete", r => { Ran.Enqueue($"delete {r.Value("id")}"); r.Http.Response.StatusCode = 204; return Task.CompletedTask; });
        routes.Map("POST", "/containers/{id}/attach", "container.attach", async r =>
        {
            Ran.Enqueue($"attach {r.Value("id")}");
            var upgrade = r.Http.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpUpgradeFeature>();
            if (upgrade is { IsUpgradableRequest: true })
            {
                await using var stream = await upgrade.UpgradeAsync();
                await stream.WriteAsync("attached\n"u8.ToArray());
            }
        }, hijacks: true);
    }

    private static Task Text(ApiRequest r, string text)
    {
        r.Http.Response.ContentType = "application/json";
        r.Http.Response.ContentLength = Encoding.UTF8.GetByteCount(text);
        return r.Http.Response.WriteAsync(text);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        try { Directory.Delete(Dir, true); } catch (IOException) { }
    }

    public Task<RawResponse> SendTcpAsync(string request) => RawHttp.SendAsync(new IPEndPoint(IPAddress.Loopback, Port), Encoding.ASCII.GetBytes(request));
    public Task<RawResponse> SendTcpAsync(byte[] request) => RawHttp.SendAsync(new IPEndPoint(IPAddress.Loopback, Port), request);
    public Task<RawResponse> SendUnixAsync(string request) => RawHttp.SendAsync(new UnixDomainSocketEndPoint(SocketPath), Encoding.ASCII.GetBytes(request));
}

public sealed record RawResponse(int Status, string Head, string Body, string Raw)
{
    /// <summary>The "message" of a Docker error body, unescaped.</summary>
    public string Message
    {
        get
        {
            try { using var doc = System.Text.Json.JsonDocument.Parse(Body); return doc.RootElement.GetProperty("message").GetString() ?? ""; }
            catch (Exception e) when (e is System.Text.Json.JsonException or KeyNotFoundException or InvalidOperationException) { return ""; }
        }
    }
}

/// <summary>A deliberately dumb HTTP/1.1 client: sends exactly the given bytes, reads until the server closes.</summary>
public static class RawHttp
{
    public static async Task<RawResponse> SendAsync(EndPoint endpoint, byte[] request)
    {
        using var socket = new Socket(endpoint.AddressFamily, SocketType.Stream, endpoint is UnixDomainSocketEndPoint ? ProtocolType.Unspecified : ProtocolType.Tcp);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await socket.ConnectAsync(endpoint, cts.Token);
        try { await socket.SendAsync(request, SocketFlags.None, cts.Token); }
        catch (SocketException) { /* the server may answer and close before reading everything */ }
        // no half-close: Kestrel treats a FIN as the client going away
        var received = new MemoryStream();
        var buffer = new byte[64 * 1024];
        try
        {
            int n;
            while ((n = await socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token)) > 0)
            {
                received.Write(buffer, 0, n);
                if (IsComplete(received.ToArray())) break;
            }
        }
        catch (SocketException) { }
        string raw = Encoding.UTF8.GetString(received.ToArray());
        int split = raw.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        string head = split < 0 ? raw : raw[..split];
        string body = split < 0 ? "" : raw[(split + 4)..];
        int status = head.StartsWith("HTTP/1.1 ", StringComparison.Ordinal) && head.Length >= 12 ? int.Parse(head[9..12]) : 0;
        return new RawResponse(status, head, body, raw);
    }

    /// <summary>One whole response with a Content-Length: stop reading even if the server keeps the connection open.</summary>
    private static bool IsComplete(byte[] data)
    {
        string text = Encoding.Latin1.GetString(data);
        int split = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        if (split < 0) return false;
        foreach (var line in text[..split].Split("\r\n"))
            if (line.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase))
                return data.Length - (split + 4) >= int.Parse(line[15..].Trim());
        return false;
    }

    public static string Post(string target, string json, string extraHeaders = "") =>
        $"POST {target} HTTP/1.1\r\nHost: api.moby.localhost\r\nContent-Type: application/json\r\nContent-Length: {Encoding.UTF8.GetByteCount(json)}\r\nConnection: close\r\n{extraHeaders}\r\n{json}";

    public static string PostChunked(string target, string json, int chunkSize = 7)
    {
        var sb = new StringBuilder($"POST {target} HTTP/1.1\r\nHost: api.moby.localhost\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n");
        for (int i = 0; i < json.Length; i += chunkSize)
        {
            string part = json.Substring(i, Math.Min(chunkSize, json.Length - i));
            sb.Append($"{Encoding.UTF8.GetByteCount(part):x}\r\n{part}\r\n");
        }
        sb.Append("0\r\n\r\n");
        return sb.ToString();
    }

    public static string Get(string target, string method = "GET") => $"{method} {target} HTTP/1.1\r\nHost: api.moby.localhost\r\nConnection: close\r\n\r\n";
}
