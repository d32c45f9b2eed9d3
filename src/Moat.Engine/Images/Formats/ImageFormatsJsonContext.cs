using System.Text.Json.Serialization;

namespace Moat.Engine.Images.Formats;

[JsonSourceGenerationOptions(PropertyNameCaseInsensitive = true, WriteIndented = false)]
[JsonSerializable(typeof(ImageConfigFile))]
[JsonSerializable(typeof(OciManifest))]
[JsonSerializable(typeof(OciIndex))]
[JsonSerializable(typeof(OciLayoutFile))]
[JsonSerializable(typeof(List<ArchiveManifestEntry>))]
[JsonSerializable(typeof(ImageRecordFile))]
[JsonSerializable(typeof(ReferencesFile))]
[JsonSerializable(typeof(LayerMetadataFile))]
[JsonSerializable(typeof(Dictionary<string, Dictionary<string, string>>))]
public sealed partial class ImageFormatsJsonContext : JsonSerializerContext;

/// <summary>The formats context with Go's escaping (only what must be escaped; "+" in media types stays "+").</summary>
internal static class ImageFormatsJson
{
    public static readonly ImageFormatsJsonContext Context = new(new System.Text.Json.JsonSerializerOptions
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        PropertyNameCaseInsensitive = true,
    });
}
