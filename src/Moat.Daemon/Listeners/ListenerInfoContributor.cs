using Moat.Api.Contracts.SystemInfo;
using Moat.Api.SystemInfo;

namespace Moat.Daemon.Listeners;

/// <summary>
/// Adds dockerd's `API is accessible on …` notices for TCP listeners that do not verify clients to /info, and the
/// warning for a TLS server certificate that expires within 30 days.
/// </summary>
public sealed class ListenerInfoContributor(ListenerSet listeners) : IInfoContributor
{
    public void Contribute(SystemInfoResponse info)
    {
        info.Warnings.AddRange(listeners.InfoWarnings);
        if (listeners.Tls?.ExpiryWarning is { } expiry) info.Warnings.Add(expiry);
    }
}
