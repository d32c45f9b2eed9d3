namespace Moat.Api.Routing;

public delegate Task ApiHandler(ApiRequest request);

/// <summary>
/// A route: method, template and the policy action it performs. Template segments are literals,
/// "{param}" (one segment) or "{param*}" (one or more segments, for image names with slashes).
/// </summary>
public sealed class Route
{
    public Route(string method, string template, string action, ApiHandler handler)
    {
        Method = method;
        Template = template;
        Action = action;
        Handler = handler;
        Segments = template.Trim('/').Split('/');
    }

    public string Method { get; }
    public string Template { get; }
    public string Action { get; }
    public ApiHandler Handler { get; }
    internal string[] Segments { get; }

    /// <summary>True for endpoints that hijack the connection (attach, exec start); authorized before the upgrade.</summary>
    public bool Hijacks { get; init; }

    /// <summary>
    /// True for GET endpoints whose answer can run for minutes or for good (events, logs and stats that follow,
    /// exports): their audit entry is written as the response starts, not when it ends.
    /// </summary>
    public bool Streams { get; init; }

    public override string ToString() => $"{Method} {Template}";
}
