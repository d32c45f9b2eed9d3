using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace Moat.Compat.Tests.Infrastructure;

/// <summary>
/// A minimal HTTP/1.1 keep-alive client over TCP, TLS or a unix socket, for tests that need to hold one connection
/// open across a daemon event (certificate rotation) or look at bytes the docker CLI hides.
/// </summary>
public sealed class RawHttp : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly Stream _stream;

    private RawHttp(Socket socket, Stream stream, X509Certificate2? serverCertificate)
    {
        _socket = socket;
        _stream = stream;
        ServerCertificate = serverCertificate;
    }

    public X509Certificate2? ServerCertificate { get; }

    public static int FreeTcpPort()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)listener.LocalEndPoint!).Port;
    }

    public static async Task<RawHttp> ConnectTcpAsync(int port)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(IPAddress.Loopback, port);
        return new RawHttp(socket, new NetworkStream(socket, ownsSocket: false), null);
    }

    public static async Task<RawHttp> ConnectUnixAsync(string path)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await socket.ConnectAsync(new UnixDomainSocketEndPoint(path));
        return new RawHttp(socket, new NetworkStream(socket, ownsSocket: false), null);
    }

    /// <summary>TLS to 127.0.0.1:<paramref name="port"/>, trusting only <paramref name="caFile"/>, presenting the client pair if given.</summary>
    public static async Task<RawHttp> ConnectTlsAsync(int port, string caFile, string? certFile, string? keyFile)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(IPAddress.Loopback, port);
        var ca = X509Certificate2.CreateFromPem(File.ReadAllText(caFile));
        var ssl = new SslStream(new NetworkStream(socket, ownsSocket: false));
        var options = new SslClientAuthenticationOptions
        {
            TargetHost = "localhost",
            RemoteCertificateValidationCallback = (_, cert, _, _) =>
            {
                if (cert is null) return false;
                using var chain = new X509Chain();
                chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                chain.ChainPolicy.CustomTrustStore.Add(ca);
                chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                return chain.Build(new X509Certificate2(cert));
            },
        };
        if (certFile is not null) options.ClientCertificates = [X509Certificate2.CreateFromPemFile(certFile, keyFile)];
        await ssl.AuthenticateAsClientAsync(options);
        return new RawHttp(socket, ssl, new X509Certificate2(ssl.RemoteCertificate!));
    }

    /// <summary>Sends raw bytes and reads until the peer closes or <paramref name="timeout"/> passes.</summary>
    public async Task<string> SendRawAndReadToEndAsync(string request, TimeSpan timeout)
    {
        await _stream.WriteAsync(Encoding.ASCII.GetBytes(request));
        using var cts = new CancellationTokenSource(timeout);
        var received = new MemoryStream();
        var buffer = new byte[4096];
        try
        {
            int n;
            while ((n = await _stream.ReadAsync(buffer, cts.Token)) > 0) received.Write(buffer, 0, n);
        }
        catch (OperationCanceledException) { }
        catch (IOException) { }
        return Encoding.ASCII.GetString(received.ToArray());
    }

    /// <summary>One keep-alive GET; returns the status line and body (Content-Length bodies only).</summary>
    public async Task<(int Status, string Body)> GetAsync(string path)
    {
        await _stream.WriteAsync(Encoding.ASCII.GetBytes($"GET {path} HTTP/1.1\r\nHost: localhost\r\n\r\n"));
        var head = new StringBuilder();
        var one = new byte[1];
        while (!head.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal))
        {
            if (await _stream.ReadAsync(one) == 0) throw new IOException($"connection closed after: {head}");
            head.Append((char)one[0]);
        }
        var lines = head.ToString().Split("\r\n");
        int status = int.Parse(lines[0].Split(' ')[1]);
        int length = 0;
        foreach (var line in lines)
            if (line.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase)) length = int.Parse(line[15..].Trim());
        var body = new byte[length];
        await _stream.ReadExactlyAsync(body);
        return (status, Encoding.UTF8.GetString(body));
    }

    public async ValueTask DisposeAsync()
    {
        await _stream.DisposeAsync();
        _socket.Dispose();
    }
}
