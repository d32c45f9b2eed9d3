using System.Net.Sockets;
using System.Text;
using Moat.Cli.Commands;

namespace Moat.Cli.Tests.Commands;

public sealed class DialStdioCommandTests : IDisposable
{
    private readonly CliTestDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private string SocketPath => _dir.Combine("test.sock");

    /// <summary>
    /// A server that answers only after the client's EOF: it reads everything, then writes "got N: TEXT" and closes.
    /// It proves both halves of half-close: stdin's EOF reaches the server as EOF, and the answer still flows back.
    /// </summary>
    private Task ServeOnceAsync(Socket listener, CancellationToken cancellationToken) => Task.Run(async () =>
    {
        using var connection = await listener.AcceptAsync(cancellationToken);
        var received = new MemoryStream();
        var buffer = new byte[4096];
        int n;
        while ((n = await connection.ReceiveAsync(buffer, SocketFlags.None, cancellationToken)) > 0) received.Write(buffer, 0, n);
        string text = Encoding.UTF8.GetString(received.ToArray());
        await connection.SendAsync(Encoding.UTF8.GetBytes($"got {received.Length}: {text}"), SocketFlags.None, cancellationToken);
        connection.Shutdown(SocketShutdown.Both);
    }, cancellationToken);

    private Socket Listen()
    {
        var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(SocketPath));
        listener.Listen();
        return listener;
    }

    [Fact]
    public async Task Run_StdinEof_HalfClosesAndStillCopiesTheAnswer()
    {
        var ct = TestContext.Current.CancellationToken;
        using var listener = Listen();
        var server = ServeOnceAsync(listener, ct);
        var stdin = new MemoryStream(Encoding.UTF8.GetBytes("GET /_ping HTTP/1.1\r\n\r\n"));
        var stdout = new MemoryStream();
        var stderr = new StringWriter();

        int code = await DialStdioCommand.RunAsync(["-H", "unix://" + SocketPath], stdin, stdout, stderr, _ => null).WaitAsync(TimeSpan.FromSeconds(10), ct);

        await server;
        Assert.True(code == 0, stderr.ToString());
        Assert.Equal("got 23: GET /_ping HTTP/1.1\r\n\r\n", Encoding.UTF8.GetString(stdout.ToArray()));
    }

    [Fact]
    public async Task Run_LargeInput_AllBytesArriveInOrder()
    {
        var ct = TestContext.Current.CancellationToken;
        using var listener = Listen();
        var server = ServeOnceAsync(listener, ct);
        string payload = string.Concat(Enumerable.Range(0, 50_000).Select(i => (char)('a' + i % 26)));
        var stdout = new MemoryStream();

        int code = await DialStdioCommand.RunAsync(["--host=unix://" + SocketPath], new MemoryStream(Encoding.UTF8.GetBytes(payload)), stdout, new StringWriter(), _ => null)
            .WaitAsync(TimeSpan.FromSeconds(10), ct);

        await server;
        Assert.Equal(0, code);
        Assert.Equal($"got {payload.Length}: {payload}", Encoding.UTF8.GetString(stdout.ToArray()));
    }

    [Fact]
    public async Task Run_ServerClosesFirst_ReturnsWithoutWaitingForStdin()
    {
        var ct = TestContext.Current.CancellationToken;
        using var listener = Listen();
        var server = Task.Run(async () =>
        {
            using var connection = await listener.AcceptAsync(ct);
            await connection.SendAsync("bye"u8.ToArray(), SocketFlags.None, ct);
            connection.Shutdown(SocketShutdown.Both);
        }, ct);
        using var neverEnding = new BlockingStream();
        var stdout = new MemoryStream();

        int code = await DialStdioCommand.RunAsync(["-H", "unix://" + SocketPath], neverEnding, stdout, new StringWriter(), _ => null)
            .WaitAsync(TimeSpan.FromSeconds(10), ct);

        await server;
        Assert.Equal(0, code);
        Assert.Equal("bye", Encoding.UTF8.GetString(stdout.ToArray()));
    }

    [Fact]
    public async Task Run_NoDaemon_ExitsOneNamingTheSocket()
    {
        var stderr = new StringWriter();

        int code = await DialStdioCommand.RunAsync(["-H", "unix://" + SocketPath], new MemoryStream(), new MemoryStream(), stderr, _ => null);

        Assert.Equal(1, code);
        Assert.Contains($"cannot connect to unix://{SocketPath}", stderr.ToString());
    }

    [Fact]
    public async Task Run_TcpHost_UsageError()
    {
        var stderr = new StringWriter();

        int code = await DialStdioCommand.RunAsync(["-H", "tcp://127.0.0.1:2375"], new MemoryStream(), new MemoryStream(), stderr, _ => null);

        Assert.Equal(2, code);
        Assert.Contains("unix socket only", stderr.ToString());
    }

    [Theory]
    [InlineData(null, null, "/var/run/docker.sock")]
    [InlineData(null, "unix:///run/user.sock", "/run/user.sock")]
    [InlineData(null, "tcp://10.0.0.1:2376", "/var/run/docker.sock")]
    [InlineData("unix:///a/b.sock", "unix:///run/user.sock", "/a/b.sock")]
    public void SocketPath_FlagThenDockerHostThenDefault(string? host, string? dockerHost, string expected)
    {
        Assert.Equal(expected, DialStdioCommand.SocketPath(host, dockerHost));
    }

    /// <summary>A stdin that never ends (a terminal nobody types into).</summary>
    private sealed class BlockingStream : Stream
    {
        private readonly TaskCompletionSource _never = new();
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) { _never.Task.Wait(); return 0; }
        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            await _never.Task.WaitAsync(cancellationToken);
            return 0;
        }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
