using System.Text.Json;
using System.Text.Json.Serialization;

namespace Moat.Api.Tests.Json;

/// <summary>A create-like contract: objects, a map (Labels), lists of objects, an undescribed member.</summary>
public sealed class TestCreateBody
{
    public string? Image { get; set; }
    public bool Tty { get; set; }
    public List<string>? Binds { get; set; }
    public Dictionary<string, string>? Labels { get; set; }
    public TestHostConfig? HostConfig { get; set; }
    public List<TestMount>? Mounts { get; set; }
    public JsonElement? Opaque { get; set; }
}

public sealed class TestHostConfig
{
    public bool Privileged { get; set; }
    public List<string>? Binds { get; set; }
    public Dictionary<string, TestMount>? Named { get; set; }
}

public sealed class TestMount
{
    public string? Source { get; set; }
    public string? Target { get; set; }
}

/// <summary>Deliberately without PropertyNameCaseInsensitive: the reader must still decode like Go.</summary>
[JsonSerializable(typeof(TestCreateBody))]
[JsonSerializable(typeof(List<TestMount>))]
public sealed partial class TestJsonContext : JsonSerializerContext;
