namespace Moat.Engine.Volumes;

/// <summary>A local volume as moatd persists it (volumes/&lt;name&gt;/volume.json; data in _data).</summary>
public sealed class VolumeRecord
{
    public string Name { get; set; } = "";
    public string Driver { get; set; } = "local";
    public DateTimeOffset CreatedAt { get; set; }
    public Dictionary<string, string> Labels { get; set; } = [];
    public Dictionary<string, string> Options { get; set; } = [];
    /// <summary>Created for a container (image VOLUME or -v /path); removed by rm -v and pruned by default.</summary>
    public bool Anonymous { get; set; }
    /// <summary>Who created it (Caller.User); internal.</summary>
    public string? Owner { get; set; }
    /// <summary>The image's content has been copied in (or the volume was used once), so it is not copied again.</summary>
    public bool Populated { get; set; }
}
