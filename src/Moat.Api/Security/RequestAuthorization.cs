using Moat.Api.Routing;
using Moat.Security.Policy;

namespace Moat.Api.Security;

/// <summary>
/// What authorization decided about a request, for the handlers that enforce ownership: list filtering,
/// 404 for other people's objects, and the owner label on what the caller creates.
/// </summary>
public static class RequestAuthorization
{
    internal static void Record(ApiRequest request, Decision decision) => request.Decision = decision;

    /// <summary>The decision in force for this request; null when no policy is configured.</summary>
    public static Decision? DecisionOf(ApiRequest request) => request.Decision;

    /// <summary>Null when the caller sees every object; else the owner whose objects alone are visible.</summary>
    public static string? OwnerFilter(this ApiRequest request) =>
        DecisionOf(request) is { Scope: AccessScope.Own } ? request.Caller.User : null;

    /// <summary>
    /// True when an object with owner label <paramref name="owner"/> is visible to the caller. Handlers answer
    /// exactly as for a missing object (same 404 text) when it is not.
    /// </summary>
    public static bool CanSee(this ApiRequest request, string? owner) =>
        request.OwnerFilter() is not { } filter || string.Equals(owner, filter, StringComparison.Ordinal);

    /// <summary>
    /// The value of the <see cref="Ownership.Label"/> label for an object this request creates (replacing any the
    /// client sent; non-admins sending one are already denied), or null when no policy is configured.
    /// </summary>
    public static string? OwnerToStamp(this ApiRequest request) =>
        DecisionOf(request) is not null ? request.Caller.User : null;
}
