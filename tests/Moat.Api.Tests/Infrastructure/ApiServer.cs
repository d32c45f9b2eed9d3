using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Moat.Api.Routing;
using Moat.Api.Security;
using Moat.Api.SystemInfo;

namespace Moat.Api.Tests.Infrastructure;

/// <summary>
/// The real pipeline on a real Kestrel, listening on a unix socket in a temp dir (TestHost is not part of
/// the SDK). <see cref="Client"/> speaks HTTP over that socket; <see cref="RawAsync"/> sends bytes exactly
/// as given, for paths and framing HttpClient would normalize.
/// </summary>
public sealed class ApiServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private ApiServer(WebApplication app, string dir, RouteTable routes, CapturingLoggerProvider logs)
    {
        _app = app;
        Dir = dir;
        Routes = routes;
        Logs = logs;
        Client = new HttpClient(new SocketsHttpHandler
        {
            ConnectCallback = async (_, ct) =>
            {
                var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                await socket.ConnectAsync(new UnixDomainSocketEndPoint(SocketPath), ct);
                return new NetworkStream(socket, ownsSocket: true);
            },
        })
        {
            BaseAddress = new Uri("http://api.moby.localhost"),
            Timeout = TimeSpan.FromSeconds(30),
        };
    }

    public string Dir { get; }
    public string SocketPath => Path.Combine(Dir, "api.sock");
    public string DataRoot => Path.Combine(Dir, "data");
    public RouteTable Routes { get; }
    public CapturingLoggerProvider Logs { get; }
    public HttpClient Client { get; }
    public IServiceProvider Services => _app.Services;

    public static async Task<ApiServer> StartAsync(Action<RouteTable>? map = null, Action<IServiceCollection>? configure = null, DaemonFacts? facts = null)
    {
        string dir = Path.Combine(Path.GetTempPath(), "moat-api-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(dir);
        var logs = new CapturingLoggerProvider();
        var routes = new RouteTable();
        var server = new ServerIdentity("28.2.2-moat", "test");
        SystemRoutes.Map(routes, server);
        map?.Invoke(routes);

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(logs);
        builder.Logging.SetMinimumLevel(LogLevel.Debug);
        builder.Logging.AddFilter("Microsoft", LogLevel.Warning);
        builder.Services.AddSingleton(server);
        builder.Services.AddSingleton(routes);
        builder.Services.AddSingleton<IRequestAuthorizer, AllowAllAuthorizer>();
        builder.Services.AddSingleton<ApiPipeline>();
        builder.Services.AddMoatSystemInfo(facts ?? new DaemonFacts { DataRoot = Path.Combine(dir, "data") });
        configure?.Invoke(builder.Services);
        builder.WebHost.UseKestrel(k =>
        {
            k.AddServerHeader = false;
            k.ListenUnixSocket(Path.Combine(dir, "api.sock"));
        });

        var app = builder.Build();
        var pipeline = app.Services.GetRequiredService<ApiPipeline>();
        app.Run(pipeline.InvokeAsync);
        await app.StartAsync();
        return new ApiServer(app, dir, routes, logs);
    }

    /// <summary>Sends <paramref name="request"/> verbatim on a fresh connection and reads until the server closes it (or the timeout).</summary>
    public async Task<RawResponse> RawAsync(string request, TimeSpan? timeout = null) => await RawAsync(Encoding.UTF8.GetBytes(request), timeout);

    /// <param name="closeSend">Shut down the sending side after the request (the client "hangs up" on its body).</param>
    public async Task<RawResponse> RawAsync(byte[] request, TimeSpan? timeout = null, bool closeSend = false)
    {
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await socket.ConnectAsync(new UnixDomainSocketEndPoint(SocketPath));
        await socket.SendAsync(request);
        if (closeSend) socket.Shutdown(SocketShutdown.Send);
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(15));
        var received = new MemoryStream();
        var buffer = new byte[8192];
        try
        {
            int n;
            while ((n = await socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token)) > 0) received.Write(buffer, 0, n);
        }
        catch (OperationCanceledException) { }
        catch (SocketException) { }
        return RawResponse.Parse(received.ToArray());
    }

    /// <summary>A GET (or other method) with a raw target and Connection: close.</summary>
    public Task<RawResponse> RequestAsync(string method, string target, string extraHeaders = "", string body = "") =>
        RawAsync($"{method} {target} HTTP/1.1\r\nHost: api.moby.localhost\r\nConnection: close\r\n{extraHeaders}"
            + (body.Length > 0 || method is "POST" or "PUT" ? $"Content-Length: {Encoding.UTF8.GetByteCount(body)}\r\n" : "")
            + "\r\n" + body);

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        try { Directory.Delete(Dir, recursive: true); } catch (IOException) { }
    }
}

/// <summary>A parsed HTTP/1.1 response (chunked bodies decoded).</summary>
public sealed record RawResponse(int Status, IReadOnlyDictionary<string, string> Headers, string Body, bool Complete)
{
    public string? Header(string name) => Headers.TryGetValue(name, out var v) ? v : null;

    public static RawResponse Parse(byte[] data)
    {
        string text = Encoding.UTF8.GetString(data);
        int end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        if (end < 0) return new RawResponse(0, new Dictionary<string, string>(), text, false);
        var lines = text[..end].Split("\r\n");
        int status = int.Parse(lines[0].Split(' ')[1]);
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var line in lines.Skip(1))
        {
            int colon = line.IndexOf(':');
            headers[line[..colon]] = line[(colon + 1)..].Trim();
        }
        string body = text[(end + 4)..];
        bool complete = true;
        if (headers.TryGetValue("Transfer-Encoding", out var te) && te.Contains("chunked"))
            (body, complete) = Dechunk(body);
        else if (headers.TryGetValue("Content-Length", out var cl))
            complete = Encoding.UTF8.GetByteCount(body) == int.Parse(cl);
        return new RawResponse(status, headers, body, complete);
    }

    private static (string Body, bool Complete) Dechunk(string body)
    {
        var sb = new StringBuilder();
        int i = 0;
        while (i < body.Length)
        {
            int lineEnd = body.IndexOf("\r\n", i, StringComparison.Ordinal);
            if (lineEnd < 0) return (sb.ToString(), false);
            int size = Convert.ToInt32(body[i..lineEnd].Split(';')[0], 16);
            if (size == 0) return (sb.ToString(), true);
            // Sizes are bytes; the tests only send ASCII, so chars == bytes.
            if (lineEnd + 2 + size > body.Length) return (sb.Append(body[(lineEnd + 2)..]).ToString(), false);
            sb.Append(body, lineEnd + 2, size);
            i = lineEnd + 2 + size + 2;
        }
        return (sb.ToString(), false);
    }
}

/// <summary>Keeps every log line (category, level, event id, message, exception) for assertions.</summary>
public sealed class CapturingLoggerProvider : ILoggerProvider
{
    private readonly List<LogLine> _lines = [];

    public IReadOnlyList<LogLine> Lines
    {
        get { lock (_lines) return [.. _lines]; }
    }

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose() { }

    private void Add(LogLine line)
    {
        lock (_lines) _lines.Add(line);
    }

    public sealed record LogLine(string Category, LogLevel Level, EventId EventId, string Message, Exception? Exception);

    private sealed class Logger(CapturingLoggerProvider owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            owner.Add(new LogLine(category, logLevel, eventId, formatter(state, exception), exception));
    }
}
