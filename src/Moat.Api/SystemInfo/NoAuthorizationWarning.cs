using Moat.Api.Contracts.SystemInfo;

namespace Moat.Api.SystemInfo;

/// <summary>
/// Without an authorization policy Moat behaves like dockerd: whoever can reach the API may do anything,
/// which is root on the host. docker info says so. The security area sets
/// <see cref="DaemonFacts.AuthorizationConfigured"/> (or replaces this contributor) when a policy is active.
/// </summary>
public sealed class NoAuthorizationWarning(DaemonFactsSource facts) : IInfoContributor
{
    public const string Message =
        "WARNING: No authorization policy is configured: every client that can connect to the API is an administrator (equivalent to root on this host). See authorization-policy in daemon.json.";

    public void Contribute(SystemInfoResponse info)
    {
        if (!facts.Current.AuthorizationConfigured) info.Warnings.Add(Message);
    }
}
