using System.Text.Json;

namespace Moat.Security.Policy;

/// <summary>Reads a Docker create body from a file (for `moat policy check --request`), as strictly as the daemon does.</summary>
public static class CreateRequestFile
{
    /// <exception cref="FormatException">Not valid JSON, ambiguous keys, or larger than 4 MiB.</exception>
    public static ContainerCreateFacts Read(string path)
    {
        var info = new FileInfo(path);
        if (!info.Exists) throw new FileNotFoundException("file not found", path);
        if (info.Length > 4 * 1024 * 1024) throw new FormatException("larger than 4 MiB");
        byte[] bytes = File.ReadAllBytes(path);
        try
        {
            var body = JsonSerializer.Deserialize(bytes, CreateBodyJsonContext.Default.ContainerCreateBody)
                ?? throw new FormatException("empty request");
            return body.ToFacts();
        }
        catch (JsonException e)
        {
            throw new FormatException($"invalid JSON: {e.Message}", e);
        }
    }
}
