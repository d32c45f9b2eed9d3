using System.Buffers;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http;

namespace Moat.Api;

/// <summary>Writing Docker-shaped responses: JSON with a trailing newline, as Go's json.Encoder writes them.</summary>
public static class ApiResults
{
    public static async Task JsonAsync<T>(HttpContext http, T value, JsonTypeInfo<T> typeInfo, int status = StatusCodes.Status200OK)
    {
        using var buffer = new Json.PooledBufferWriter();
        using (var writer = new Utf8JsonWriter(buffer))
            JsonSerializer.Serialize(writer, value, typeInfo);
        buffer.Write("\n"u8);
        http.Response.StatusCode = status;
        http.Response.ContentType = "application/json";
        http.Response.ContentLength = buffer.Length;
        buffer.CopyTo(http.Response.BodyWriter);
        await http.Response.BodyWriter.FlushAsync(http.RequestAborted);
    }

    public static Task NoContent(HttpContext http)
    {
        http.Response.StatusCode = StatusCodes.Status204NoContent;
        return Task.CompletedTask;
    }
}
