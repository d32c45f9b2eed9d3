using Moat.Api.Routing;

namespace Moat.Api.Security;

/// <summary>
/// Decides whether a routed request may run. Called after routing and version checks, before the handler;
/// handlers that decode a body call <see cref="AuthorizeBodyAsync"/> with the typed object they will execute.
/// Implementations fail closed: an exception is a denial.
/// </summary>
public interface IRequestAuthorizer
{
    ValueTask AuthorizeAsync(ApiRequest request);

    /// <summary>Second look for requests whose body matters (container create, exec create…), on the decoded object.</summary>
    ValueTask AuthorizeBodyAsync<T>(ApiRequest request, T body) where T : class;

    /// <summary>
    /// Called once the pipeline is done with a request it authorized: its answer has been written, or the
    /// client went away. The authorizer records what it has not yet recorded; a failure here is the request's.
    /// </summary>
    ValueTask CompletedAsync(ApiRequest request);
}

/// <summary>dockerd's behaviour without a policy: whoever reaches the API may do anything.</summary>
public sealed class AllowAllAuthorizer : IRequestAuthorizer
{
    public ValueTask AuthorizeAsync(ApiRequest request) => ValueTask.CompletedTask;
    public ValueTask AuthorizeBodyAsync<T>(ApiRequest request, T body) where T : class => ValueTask.CompletedTask;
    public ValueTask CompletedAsync(ApiRequest request) => ValueTask.CompletedTask;
}
