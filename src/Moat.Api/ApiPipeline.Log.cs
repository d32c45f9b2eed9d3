using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Moat.Api.Routing;

namespace Moat.Api;

public sealed partial class ApiPipeline
{
    /// <summary>
    /// One debug line per request. Only the path (no query values: build args and URLs can carry secrets)
    /// and the names of the query parameters; never headers (X-Registry-Auth) or bodies.
    /// </summary>
    private void LogRequest(HttpContext http, ApiRequest? request, string path, int status, TimeSpan elapsed)
    {
        string query = http.Request.Query.Count == 0 ? "-" : Printable(string.Join(',', http.Request.Query.Keys), 256);
        string caller = request?.Caller.User ?? "-";
        string transport = request?.Caller.Transport ?? "-";
        string action = request?.Action ?? "-";
        if (status == 0)
            LogRequestAborted(_logger, http.Request.Method, path, query, elapsed.TotalMilliseconds, caller, transport, action);
        else
            LogRequestHandled(_logger, http.Request.Method, path, query, status, elapsed.TotalMilliseconds, caller, transport, action);
    }

    /// <summary>Keeps log lines one line: control characters become '?', long text is cut.</summary>
    private static string Printable(string text, int max)
    {
        if (text.Length > max) text = text[..max] + "…";
        return string.Create(text.Length, text, static (span, t) =>
        {
            for (int i = 0; i < t.Length; i++) span[i] = char.IsControl(t[i]) ? '?' : t[i];
        });
    }

    [LoggerMessage(EventId = 1000, Level = LogLevel.Debug,
        Message = "{Method} {Path} query={QueryKeys} status={Status} duration={DurationMs:0.0}ms caller={Caller} transport={Transport} action={Action}")]
    private static partial void LogRequestHandled(ILogger logger, string method, string path, string queryKeys, int status, double durationMs, string caller, string transport, string action);

    [LoggerMessage(EventId = 1001, Level = LogLevel.Debug,
        Message = "{Method} {Path} query={QueryKeys} aborted by client after {DurationMs:0.0}ms caller={Caller} transport={Transport} action={Action}")]
    private static partial void LogRequestAborted(ILogger logger, string method, string path, string queryKeys, double durationMs, string caller, string transport, string action);
}
