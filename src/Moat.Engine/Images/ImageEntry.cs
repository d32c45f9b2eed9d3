using Moat.Api.Contracts.Images;
using Moat.Engine.Images.Formats;

namespace Moat.Engine.Images;

/// <summary>An image as the in-memory index holds it: everything a list or inspect needs, no disk access.</summary>
public sealed class ImageEntry
{
    public required string Id { get; init; }
    public required ImageConfigFile ConfigFile { get; init; }
    public required string ManifestDigest { get; init; }
    public required IReadOnlyList<string> DiffIds { get; init; }
    public DateTimeOffset? Created { get; init; }
    public long Size { get; init; }
    public DateTimeOffset? LastTagTime { get; set; }
    public string? Parent { get; init; }

    public ImageConfig Config => ConfigFile.Config ?? new ImageConfig();
    public IReadOnlyDictionary<string, string> Labels => (IReadOnlyDictionary<string, string>?)ConfigFile.Config?.Labels ?? new Dictionary<string, string>();
    public string ShortId => Id[7..19];
}

/// <summary>
/// What the containers area needs from an image: its config (Env, Cmd, Entrypoint, WorkingDir, User, Volumes,
/// ExposedPorts, StopSignal, Labels…) and its unpacked layers, bottom first (overlay lower dirs are these reversed).
/// </summary>
public sealed record ResolvedImage(
    string Id,
    ImageConfig Config,
    string Architecture,
    string Os,
    IReadOnlyList<string> DiffIds,
    IReadOnlyList<string> LayerPaths);
