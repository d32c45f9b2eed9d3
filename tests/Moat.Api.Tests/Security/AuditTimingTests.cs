using System.Net.Sockets;
using System.Text;

namespace Moat.Api.Tests.Security;

/// <summary>
/// When each request's audit entry reaches the log: a state change's before its answer, a stream's while it
/// streams, a plain read's once answered, and a request whose client left before any answer with status 499.
/// </summary>
public sealed class AuditTimingTests : IAsyncLifetime
{
    private const string Policy = """
        {
          "roles": { "tester": { "actions": ["container.*", "system.events"] } },
          "bindings": [ { "role": "tester", "anonymous": true } ]
        }
        """;

    private SecureApiHost _host = null!;

    public async ValueTask InitializeAsync() => _host = await SecureApiHost.StartAsync(Policy);
    public async ValueTask DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task StateChange_WithoutBody_OnRecordBeforeItsAnswer()
    {
        var r = await _host.SendTcpAsync(RawHttp.Post("/v1.50/containers/abc/start", ""));

        Assert.Equal(204, r.Status);
        // No waiting: the 204 left after the entry was written and fsynced.
        Assert.Contains(Requests(), l => l.Contains("\"action\":\"container.start\",\"object_id\":\"abc\",\"decision\":\"allow\"") && l.Contains("\"status\":204"));
    }

    [Fact]
    public async Task PlainRead_RecordedWithItsStatusAndDuration()
    {
        var r = await _host.SendTcpAsync(RawHttp.Get("/v1.50/containers/json"));

        Assert.Equal(200, r.Status);
        string line = await WaitForAsync(l => l.Contains("\"action\":\"container.list\""));
        Assert.Contains("\"method\":\"GET\"", line);
        Assert.Contains("\"status\":200,\"duration_ms\":", line);
    }

    [Fact]
    public async Task Stream_OnRecordWhileItRuns()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(System.Net.IPAddress.Loopback, _host.Port, TestContext.Current.CancellationToken);
        await socket.SendAsync(Encoding.ASCII.GetBytes(RawHttp.Get("/v1.50/events")), TestContext.Current.CancellationToken);
        var buffer = new byte[4096];
        int n = await socket.ReceiveAsync(buffer, TestContext.Current.CancellationToken);
        Assert.StartsWith("HTTP/1.1 200", Encoding.ASCII.GetString(buffer, 0, n));

        // The stream is still open: its entry is in the log already.
        string line = await WaitForAsync(l => l.Contains("\"action\":\"system.events\""));
        Assert.Contains("\"status\":200", line);
        Assert.True(socket.Connected);
    }

    [Fact]
    public async Task ClientGoneBeforeAnyAnswer_Recorded499()
    {
        using (var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
        {
            await socket.ConnectAsync(System.Net.IPAddress.Loopback, _host.Port, TestContext.Current.CancellationToken);
            await socket.SendAsync(Encoding.ASCII.GetBytes(RawHttp.Get("/v1.50/containers/abc/top")), TestContext.Current.CancellationToken);
            await Task.Delay(200, TestContext.Current.CancellationToken);
        }

        string line = await WaitForAsync(l => l.Contains("\"action\":\"container.top\""));
        Assert.Contains("\"decision\":\"allow\"", line);
        Assert.Contains("\"status\":499", line);
    }

    private List<string> Requests()
    {
        using var f = new FileStream(_host.AuditPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        return new StreamReader(f, Encoding.UTF8).ReadToEnd().Split('\n').Where(l => l.Contains("\"kind\":\"request\"")).ToList();
    }

    /// <summary>Reads are group-committed in the background (within a second); waits up to 5 s for the line.</summary>
    private async Task<string> WaitForAsync(Func<string, bool> match)
    {
        for (int i = 0; i < 250; i++)
        {
            if (Requests().FirstOrDefault(match) is { } line) return line;
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }
        throw new Xunit.Sdk.XunitException("no such audit entry in:\n" + string.Join('\n', Requests()));
    }
}
