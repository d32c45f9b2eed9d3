using System.Buffers;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Moat.Engine.Errors;

namespace Moat.Api.Errors;

/// <summary>
/// The one place an exception becomes an HTTP status and a Docker-format body (<c>{"message":"…"}</c>).
/// Categories pick the status (moby's httpstatus.FromError); anything that is not a <see cref="MoatException"/>
/// is a bug: 500 with a correlation id, the details go to the log only.
/// </summary>
public static partial class ErrorResponseWriter
{
    // Quotes in messages stay \" as Go's encoder writes them (the default encoder would write \u0022).
    private static readonly JsonWriterOptions MessageWriterOptions = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static int StatusFor(ErrorCategory category) => category switch
    {
        ErrorCategory.NotFound => StatusCodes.Status404NotFound,
        ErrorCategory.InvalidArgument => StatusCodes.Status400BadRequest,
        ErrorCategory.Conflict => StatusCodes.Status409Conflict,
        ErrorCategory.Unauthenticated => StatusCodes.Status401Unauthorized,
        ErrorCategory.Forbidden => StatusCodes.Status403Forbidden,
        ErrorCategory.NotModified => StatusCodes.Status304NotModified,
        ErrorCategory.Unavailable => StatusCodes.Status503ServiceUnavailable,
        ErrorCategory.Unsupported => StatusCodes.Status501NotImplemented,
        _ => StatusCodes.Status500InternalServerError,
    };

    /// <summary>
    /// True when the exception only says that the client went away (request aborted, connection reset):
    /// a cancellation, not an error; nothing is answered or logged.
    /// </summary>
    public static bool IsClientGone(HttpContext http, Exception exception) =>
        http.RequestAborted.IsCancellationRequested && exception is OperationCanceledException or IOException
        || exception is Microsoft.AspNetCore.Connections.ConnectionResetException;

    /// <summary>
    /// Writes the error if the response has not started; otherwise aborts the connection, so the client sees
    /// a cut stream rather than a success followed by garbage. Returns the status (0 when aborted).
    /// </summary>
    public static async Task<int> WriteAsync(HttpContext http, Exception exception, ILogger logger)
    {
        int status;
        string message;
        switch (exception)
        {
            case MoatException moat:
                status = StatusFor(moat.Category);
                message = moat.Message;
                break;
            case BadHttpRequestException bad:
                // Kestrel's own verdicts on the request (body larger than its limit, body shorter than its
                // Content-Length, malformed chunking): the client's fault, with Kestrel's status (400/413/…).
                status = bad.StatusCode;
                message = bad.Message;
                break;
            default:
                string correlation = http.TraceIdentifier;
                LogUnexpected(logger, exception, http.Request.Method, http.Request.Path.Value ?? "", correlation);
                status = StatusCodes.Status500InternalServerError;
                message = $"internal error (correlation id {correlation})";
                break;
        }

        if (http.Response.HasStarted)
        {
            http.Abort();
            return 0;
        }
        http.Response.Headers.Remove("Content-Disposition");
        await WriteMessageAsync(http, status, message);
        return status;
    }

    /// <summary>Writes <c>{"message":…}</c> with a trailing newline, as Go's json.Encoder does (304 has no body).</summary>
    public static async Task WriteMessageAsync(HttpContext http, int status, string message)
    {
        http.Response.StatusCode = status;
        if (status == StatusCodes.Status304NotModified) return;
        http.Response.ContentType = "application/json";
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(64 + message.Length);
        using (var writer = new Utf8JsonWriter(buffer, MessageWriterOptions))
        {
            writer.WriteStartObject();
            writer.WriteString("message", message);
            writer.WriteEndObject();
        }
        buffer.Write("\n"u8);
        http.Response.ContentLength = buffer.WrittenCount;
        if (HttpMethods.IsHead(http.Request.Method)) return;
        await http.Response.Body.WriteAsync(buffer.WrittenMemory, http.RequestAborted);
    }

    /// <summary>Go's http.Error: plain text plus newline; dockerd uses it for errors to API clients older than 1.24.</summary>
    public static async Task WritePlainAsync(HttpContext http, int status, string message)
    {
        http.Response.StatusCode = status;
        http.Response.ContentType = "text/plain; charset=utf-8";
        http.Response.Headers["X-Content-Type-Options"] = "nosniff";
        byte[] body = System.Text.Encoding.UTF8.GetBytes(message + "\n");
        http.Response.ContentLength = body.Length;
        if (HttpMethods.IsHead(http.Request.Method)) return;
        await http.Response.Body.WriteAsync(body, http.RequestAborted);
    }

    [LoggerMessage(EventId = 500, Level = LogLevel.Error, Message = "Unhandled error in {Method} {Path} (correlation id {CorrelationId})")]
    private static partial void LogUnexpected(ILogger logger, Exception exception, string method, string path, string correlationId);
}
