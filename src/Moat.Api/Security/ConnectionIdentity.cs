using System.Net.Sockets;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Moat.Security.Identity;

namespace Moat.Api.Security;

/// <summary>
/// Establishes who is on the other end of a connection, once per connection (cached in the connection's
/// items): SO_PEERCRED on unix sockets, the verified client certificate on TLS, anonymous otherwise.
/// </summary>
public sealed class ConnectionIdentity : ICallerResolver
{
    private static readonly object CacheKey = new();
    private readonly UnixAccounts _accounts;
    private readonly bool _trustClientCertificates;

    /// <param name="trustClientCertificates">False when TLS listeners do not verify client certificates (tlsverify=false).</param>
    public ConnectionIdentity(UnixAccounts accounts, bool trustClientCertificates = true)
    {
        _accounts = accounts;
        _trustClientCertificates = trustClientCertificates;
    }

    public ValueTask<IdentifiedConnection> ConnectionAsync(HttpContext http) => ValueTask.FromResult(Connection(http));

    /// <summary>The request's connection and its caller, established on the connection's first request.</summary>
    public IdentifiedConnection Connection(HttpContext http)
    {
        var items = http.Features.Get<IConnectionItemsFeature>()?.Items;
        if (items is not null && items.TryGetValue(CacheKey, out var cached) && cached is IdentifiedConnection known) return known;
        var connection = new IdentifiedConnection(Establish(http));
        if (items is not null) items[CacheKey] = connection;
        return connection;
    }

    private Caller Establish(HttpContext http)
    {
        var socket = http.Features.Get<IConnectionSocketFeature>()?.Socket;
        if (socket is { AddressFamily: AddressFamily.Unix })
            return CallerFactory.FromUnixSocket(socket, _accounts);

        var remote = http.Connection.RemoteIpAddress is { } ip ? new System.Net.IPEndPoint(ip, http.Connection.RemotePort) : null;
        bool tls = http.Features.Get<ITlsHandshakeFeature>() is not null || http.Request.IsHttps;
        if (tls)
        {
            // The listener only hands over certificates it verified against the CA (tlsverify);
            // without verification it asks for none, and the caller stays anonymous.
            var certificate = _trustClientCertificates ? http.Connection.ClientCertificate : null;
            return certificate is not null ? CallerFactory.FromCertificate(certificate, remote) : CallerFactory.Anonymous("tls", remote);
        }
        return CallerFactory.Anonymous(socket is null && remote is null ? "unknown" : "tcp", remote);
    }
}
