using Microsoft.AspNetCore.Http;
using Moat.Security.Identity;

namespace Moat.Api.Security;

/// <summary>
/// Establishes who is calling, from the connection (SO_PEERCRED on unix sockets, the client certificate
/// on TLS). The pipeline calls it once per request, after routing and before authorization, and stores the
/// result in <see cref="Routing.ApiRequest.Caller"/>. Without a registered resolver every caller is
/// <see cref="Caller.Anonymous"/>.
/// </summary>
public interface ICallerResolver
{
    ValueTask<Caller> ResolveAsync(HttpContext http);
}
