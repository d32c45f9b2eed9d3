using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Moat.Api.Routing;
using Moat.Engine.Errors;

namespace Moat.Api.Json;

/// <summary>
/// Reads a request's JSON body into the typed object the handler executes (and authorization checks).
/// Bounded in size; one request can never mean two things (duplicate or case-variant keys are refused).
/// </summary>
public static class RequestBody
{
    /// <summary>Hard limit for JSON bodies (create requests are a few KiB; dockerd has none).</summary>
    public const int MaxJsonBytes = 4 * 1024 * 1024;

    /// <summary>Returns null for an empty body.</summary>
    public static async Task<T?> ReadJsonAsync<T>(ApiRequest request, JsonTypeInfo<T> typeInfo) where T : class
    {
        using var buffer = new MemoryStream();
        var body = request.Http.Request.Body;
        var chunk = new byte[16 * 1024];
        int n;
        while ((n = await body.ReadAsync(chunk, request.Aborted)) > 0)
        {
            if (buffer.Length + n > MaxJsonBytes)
                throw new InvalidArgumentException($"request body is larger than the limit of {MaxJsonBytes} bytes");
            buffer.Write(chunk, 0, n);
        }
        if (buffer.Length == 0) return null;
        Security.StrictJson.EnsureUnambiguous(buffer.GetBuffer().AsSpan(0, (int)buffer.Length));
        try
        {
            return JsonSerializer.Deserialize(buffer.GetBuffer().AsSpan(0, (int)buffer.Length), typeInfo);
        }
        catch (JsonException e)
        {
            throw new InvalidArgumentException($"invalid JSON: {e.Message}", e);
        }
    }
}
