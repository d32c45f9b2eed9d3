using Moat.Api.Contracts.SystemInfo;

namespace Moat.Api.SystemInfo;

/// <summary>
/// Each area adds its part of GET /info (image counts and storage driver, runtimes, listener warnings,
/// security options…). Registered in DI; called in registration order for every /info request.
/// </summary>
public interface IInfoContributor
{
    void Contribute(SystemInfoResponse info);
}
