using Moat.Api.Contracts.SystemInfo;
using Moat.Api.SystemInfo;

namespace Moat.Api.Security;

/// <summary>Adds to `docker info`: a warning when no policy is configured (everyone who connects is an administrator).</summary>
public sealed class AuthorizationInfoContributor(PolicyStore? store) : IInfoContributor
{
    public const string NoPolicyWarning =
        "WARNING: No authorization policy is configured: every user who can reach the API is an administrator (see authorization-policy in docs/authorization.md)";

    public void Contribute(SystemInfoResponse info)
    {
        if (store is null) info.Warnings.Add(NoPolicyWarning);
    }
}
