using System.Buffers;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Moat.Engine.Errors;

namespace Moat.Api.Errors;

/// <summary>The one place an exception becomes an HTTP status and a Docker-format body.</summary>
public static partial class ErrorResponseWriter
{
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

    /// <summary>Writes the error if the response has not started; otherwise aborts the connection (the client sees a cut stream).</summary>
    public static async Task WriteAsync(HttpContext http, Exception exception, ILogger logger)
    {
        int status;
        string message;
        if (exception is MoatException moat)
        {
            status = StatusFor(moat.Category);
            message = moat.Message;
        }
        else
        {
            string correlation = http.TraceIdentifier;
            LogUnexpected(logger, exception, http.Request.Method, http.Request.Path.Value ?? "", correlation);
            status = StatusCodes.Status500InternalServerError;
            message = $"internal error (correlation id {correlation})";
        }

        if (http.Response.HasStarted)
        {
            http.Abort();
            return;
        }
        await WriteMessageAsync(http, status, message);
    }

    public static async Task WriteMessageAsync(HttpContext http, int status, string message)
    {
        http.Response.StatusCode = status;
        if (status == StatusCodes.Status304NotModified) return;
        http.Response.ContentType = "application/json";
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(64 + message.Length);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("message", message);
            writer.WriteEndObject();
        }
        buffer.Write("\n"u8);
        http.Response.ContentLength = buffer.WrittenCount;
        await http.Response.Body.WriteAsync(buffer.WrittenMemory, http.RequestAborted);
    }

    [LoggerMessage(EventId = 500, Level = LogLevel.Error, Message = "Unhandled error in {Method} {Path} (correlation id {CorrelationId})")]
    private static partial void LogUnexpected(ILogger logger, Exception exception, string method, string path, string correlationId);
}
