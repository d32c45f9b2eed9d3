using Microsoft.AspNetCore.Http;
using Moat.Security.Identity;

namespace Moat.Api.Security;

/// <summary>
/// Establishes who is calling, from the connection (SO_PEERCRED on unix sockets, the client certificate
/// on TLS). The pipeline calls it once per request, after routing and before authorization, and stores the
/// result in <see cref="Routing.ApiRequest.Connection"/> and <see cref="Routing.ApiRequest.Caller"/>. Without a
/// registered resolver every caller is <see cref="Caller.Anonymous"/>.
/// </summary>
public interface ICallerResolver
{
    ValueTask<IdentifiedConnection> ConnectionAsync(HttpContext http);
}

/// <summary>
/// A connection whose caller has been established: once, since a connection's caller never changes. It also
/// holds the authorizer's state for the connection, so that a request finds both with one lookup.
/// </summary>
public sealed class IdentifiedConnection(Caller caller)
{
    public Caller Caller { get; } = caller;

    /// <summary>
    /// The authorizer's cache for this connection (decisions, encoded audit fields). Listeners speak HTTP/1.1
    /// only, so a connection's requests are sequential and the slot needs no lock.
    /// </summary>
    internal object? AuthorizerState;
}
