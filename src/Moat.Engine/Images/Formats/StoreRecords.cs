namespace Moat.Engine.Images.Formats;

/// <summary>image/moat/images/&lt;hex&gt;.json: what the store knows about an image besides its config blob.</summary>
public sealed class ImageRecordFile
{
    public string Id { get; set; } = "";
    public string ManifestDigest { get; set; } = "";
    public string? LastTagTime { get; set; }
    public string? Parent { get; set; }
}

/// <summary>image/moat/repositories.json: every tag and digest reference (normalized) → image ID.</summary>
public sealed class ReferencesFile
{
    public Dictionary<string, string> References { get; set; } = [];
}

/// <summary>&lt;driver&gt;/&lt;hex&gt;/layer.json: an unpacked layer's facts.</summary>
public sealed class LayerMetadataFile
{
    public string DiffId { get; set; } = "";
    /// <summary>Bytes of file content in the layer (dockerd's layer Size).</summary>
    public long Size { get; set; }
    /// <summary>Bytes of the uncompressed layer tar (the diff-id blob).</summary>
    public long TarSize { get; set; }
}
