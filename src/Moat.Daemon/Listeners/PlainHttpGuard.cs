using System.Buffers;
using System.IO.Pipelines;
using Microsoft.AspNetCore.Connections;

namespace Moat.Daemon.Listeners;

/// <summary>
/// Connection middleware in front of the TLS layer: a first byte that is not a TLS handshake record (0x16) gets
/// Go's net/http answer, so `curl http://host:2376` and a docker CLI without --tls see what they see with dockerd.
/// </summary>
public static class PlainHttpGuard
{
    private const byte TlsHandshakeRecord = 0x16;

    public static readonly byte[] Response = "HTTP/1.0 400 Bad Request\r\n\r\nClient sent an HTTP request to an HTTPS server.\n"u8.ToArray();

    /// <summary>How long a new connection may stay silent; the TLS handshake timeout only starts after this layer.</summary>
    public static readonly TimeSpan FirstByteTimeout = TimeSpan.FromSeconds(10);

    public static Func<ConnectionDelegate, ConnectionDelegate> Middleware => next => async connection =>
    {
        var input = connection.Transport.Input;
        ReadResult result;
        using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(connection.ConnectionClosed))
        {
            timeout.CancelAfter(FirstByteTimeout);
            try
            {
                result = await input.ReadAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                connection.Abort();
                return;
            }
        }
        if (result.Buffer.IsEmpty)
        {
            input.AdvanceTo(result.Buffer.Start);
            return;
        }
        byte first = result.Buffer.FirstSpan[0];
        // Nothing consumed, nothing examined: the TLS layer reads the same bytes again.
        input.AdvanceTo(result.Buffer.Start);
        if (first != TlsHandshakeRecord)
        {
            await connection.Transport.Output.WriteAsync(Response, connection.ConnectionClosed);
            await connection.Transport.Output.CompleteAsync();
            return;
        }
        await next(connection);
    };
}
