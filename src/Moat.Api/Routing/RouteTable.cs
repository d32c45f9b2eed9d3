namespace Moat.Api.Routing;

/// <summary>
/// The API's route table. Paths reach it already cleaned and without the version prefix; what it
/// matches is exactly what runs, so authorization and audit always see the handler's own action.
/// </summary>
public sealed class RouteTable
{
    private readonly List<Route> _routes = [];

    public IReadOnlyList<Route> Routes => _routes;

    public Route Map(string method, string template, string action, ApiHandler handler, bool hijacks = false, bool streams = false)
    {
        var route = new Route(method, template, action, handler) { Hijacks = hijacks, Streams = streams };
        _routes.Add(route);
        return route;
    }

    public Route MapGet(string template, string action, ApiHandler handler, bool streams = false) => Map("GET", template, action, handler, streams: streams);
    public Route MapPost(string template, string action, ApiHandler handler) => Map("POST", template, action, handler);
    public Route MapPut(string template, string action, ApiHandler handler) => Map("PUT", template, action, handler);
    public Route MapDelete(string template, string action, ApiHandler handler) => Map("DELETE", template, action, handler);
    public Route MapHead(string template, string action, ApiHandler handler) => Map("HEAD", template, action, handler);

    /// <summary>
    /// Finds the route for a cleaned, unversioned path. Methods match exactly, as in dockerd (gorilla's
    /// method-not-allowed handler is its 404): HEAD runs only where a HEAD route is mapped. A trailing slash
    /// is an empty last segment and so matches no literal or parameter (404, as dockerd).
    /// </summary>
    public Route? Match(string method, string path, out Dictionary<string, string> values)
    {
        var segments = (path.StartsWith('/') ? path[1..] : path).Split('/');
        return MatchExact(method, segments, out values);
    }

    private Route? MatchExact(string method, string[] segments, out Dictionary<string, string> values)
    {
        foreach (var route in _routes)
        {
            if (route.Method != method) continue;
            if (TryBind(route.Segments, segments, out values)) return route;
        }
        values = [];
        return null;
    }

    private static bool TryBind(string[] template, string[] path, out Dictionary<string, string> values)
    {
        values = new Dictionary<string, string>(StringComparer.Ordinal);
        int greedy = Array.FindIndex(template, s => s.EndsWith("*}", StringComparison.Ordinal));
        if (greedy < 0 ? path.Length != template.Length : path.Length < template.Length) return false;

        int tail = template.Length - greedy - 1;
        for (int i = 0; i < template.Length; i++)
        {
            if (i == greedy)
            {
                int count = path.Length - greedy - tail;
                var parts = path.AsSpan(greedy, count);
                foreach (var p in parts) if (p.Length == 0) return false;
                values[template[i][1..^2]] = string.Join('/', parts.ToArray());
                continue;
            }
            int p2 = greedy >= 0 && i > greedy ? path.Length - (template.Length - i) : i;
            string seg = template[i], actual = path[p2];
            if (seg.StartsWith('{'))
            {
                if (actual.Length == 0) return false;
                values[seg[1..^1]] = actual;
            }
            else if (!string.Equals(seg, actual, StringComparison.Ordinal)) return false;
        }
        return true;
    }
}
