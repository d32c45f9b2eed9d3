using System.Buffers;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;
using Moat.Api.Routing;
using Moat.Engine.Errors;

namespace Moat.Api.Json;

/// <summary>
/// Reads a request's JSON body into the typed object the handler executes (and authorization checks), so
/// that one request can never mean two things:
/// <list type="number">
/// <item>Content-Type must be application/json whenever a body is present (dockerd's CheckForJSON texts);</item>
/// <item>the size limit counts the bytes actually read, whatever Content-Length says or whether the body is
///   chunked (a body over the limit is 400 "request body is too large…");</item>
/// <item>a pre-scan refuses duplicate keys, and keys of the same object that differ only in case, at every
///   depth, before anything is deserialized (Go decodes case-insensitively and last-wins; a second decoder
///   reading the same bytes differently was the authz-plugin bypass class). Map-typed members
///   (Dictionary: Labels, Options, DriverOpts…) hold data, not field names: there only exact duplicates are refused;</item>
/// <item>deserialization is case-insensitive like Go's, whatever the JsonSerializerContext says;</item>
/// <item>"unexpected content after JSON" after the first value, as dockerd.</item>
/// </list>
/// An empty body (Content-Length 0 or a chunked body with no data: the same thing) is null; whitespace only
/// is dockerd's "invalid JSON: got EOF while reading request body".
/// </summary>
public static class RequestBody
{
    /// <summary>Default limit for JSON bodies (create requests are a few KiB; dockerd has none).</summary>
    public const int MaxJsonBytes = 4 * 1024 * 1024;

    public const string EofMessage = "invalid JSON: got EOF while reading request body";

    private static readonly ConditionalWeakTable<JsonSerializerOptions, JsonSerializerOptions> GoLikeOptions = new();

    /// <summary>Reads and decodes the body; null when the body is empty.</summary>
    public static async Task<T?> ReadJsonAsync<T>(ApiRequest request, JsonTypeInfo<T> typeInfo, int maxBytes = MaxJsonBytes) where T : class
    {
        CheckContentType(request.Http.Request);
        var body = await ReadBoundedAsync(request.Http.Request, maxBytes, request.Aborted);
        try
        {
            if (body.Length > 0 && string.IsNullOrEmpty(request.Http.Request.ContentType))
                throw new InvalidArgumentException("unsupported Content-Type header (): must be 'application/json'");
            return Parse(body.Span, typeInfo);
        }
        finally
        {
            body.Return();
        }
    }

    /// <summary>As <see cref="ReadJsonAsync{T}"/>, for endpoints whose body is mandatory: empty is dockerd's EOF error.</summary>
    public static async Task<T> ReadRequiredJsonAsync<T>(ApiRequest request, JsonTypeInfo<T> typeInfo, int maxBytes = MaxJsonBytes) where T : class =>
        await ReadJsonAsync(request, typeInfo, maxBytes) ?? throw new InvalidArgumentException(EofMessage);

    /// <summary>
    /// dockerd's httputils.CheckForJSON for a declared Content-Type: it must be application/json (parameters
    /// such as charset allowed). An absent Content-Type is judged after reading: allowed only with no body.
    /// </summary>
    public static void CheckContentType(HttpRequest request)
    {
        string? contentType = request.ContentType;
        if (string.IsNullOrEmpty(contentType)) return;
        if (!MediaTypeHeaderValue.TryParse(contentType, out var media) || media.MediaType.Length == 0)
            throw new InvalidArgumentException($"malformed Content-Type header ({contentType})");
        if (!media.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase))
            throw new InvalidArgumentException($"unsupported Content-Type header ({contentType}): must be 'application/json'");
    }

    /// <summary>Decodes a complete body. Null for zero bytes; every other refusal is an <see cref="InvalidArgumentException"/>.</summary>
    public static T? Parse<T>(ReadOnlySpan<byte> body, JsonTypeInfo<T> typeInfo) where T : class
    {
        if (body.Length == 0) return null;
        if (body.TrimStart(" \t\r\n"u8).Length == 0) throw new InvalidArgumentException(EofMessage);

        var goLike = GoLike(typeInfo);
        int consumed = StrictKeys.Scan(body, goLike);
        if (body[consumed..].TrimStart(" \t\r\n"u8).Length != 0)
            throw new InvalidArgumentException("unexpected content after JSON");
        try
        {
            return JsonSerializer.Deserialize(body[..consumed], goLike);
        }
        catch (JsonException e)
        {
            throw new InvalidArgumentException($"invalid JSON: {e.Message}", e);
        }
    }

    /// <summary>The same contract with Go's decoding rules: case-insensitive names, and (a backstop to the pre-scan) no duplicates.</summary>
    internal static JsonTypeInfo<T> GoLike<T>(JsonTypeInfo<T> typeInfo)
    {
        var options = GoLikeOptions.GetValue(typeInfo.Options, static o => new JsonSerializerOptions(o)
        {
            PropertyNameCaseInsensitive = true,
            AllowDuplicateProperties = false,
        });
        return (JsonTypeInfo<T>)options.GetTypeInfo(typeof(T));
    }

    /// <summary>Reads the whole body into a pooled buffer, failing as soon as more than <paramref name="maxBytes"/> arrive.</summary>
    internal static async Task<PooledBody> ReadBoundedAsync(HttpRequest request, int maxBytes, CancellationToken cancellationToken)
    {
        if (request.ContentLength > maxBytes) throw TooLarge(maxBytes);
        int initial = request.ContentLength is long declared and > 0 ? (int)Math.Min(declared + 1, maxBytes + 1L) : 16 * 1024;
        byte[] buffer = ArrayPool<byte>.Shared.Rent(Math.Max(initial, 1024));
        int length = 0;
        try
        {
            while (true)
            {
                if (length == buffer.Length)
                {
                    if (length > maxBytes) throw TooLarge(maxBytes);
                    byte[] bigger = ArrayPool<byte>.Shared.Rent((int)Math.Min(buffer.Length * 2L, maxBytes + 1L));
                    buffer.AsSpan(0, length).CopyTo(bigger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = bigger;
                }
                int n = await request.Body.ReadAsync(buffer.AsMemory(length), cancellationToken);
                if (n == 0) break;
                length += n;
                if (length > maxBytes) throw TooLarge(maxBytes);
            }
            return new PooledBody(buffer, length);
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }
    }

    private static InvalidArgumentException TooLarge(int maxBytes) =>
        new($"request body is too large: the limit for JSON bodies is {maxBytes} bytes");

    internal readonly struct PooledBody(byte[] buffer, int length)
    {
        public int Length => length;
        public ReadOnlySpan<byte> Span => buffer.AsSpan(0, length);
        public void Return() => ArrayPool<byte>.Shared.Return(buffer);
    }
}
