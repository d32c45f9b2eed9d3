namespace Moat.Engine.Containers;

/// <summary>
/// What the container service needs from the image store: a reference resolved to the image's id, its
/// runtime configuration and its layer directories. Implemented by an adapter over the images area.
/// </summary>
public interface IImageResolver
{
    /// <summary>Throws a <see cref="Errors.NotFoundException"/> "No such image: &lt;reference&gt;" when unknown (the CLI then pulls).</summary>
    Task<ResolvedImage> ResolveAsync(string reference, CancellationToken cancellationToken);
}

/// <summary>A resolved image. <see cref="LowerDirs"/> are ordered top-most layer first, as overlayfs lowerdir wants them.</summary>
public sealed record ResolvedImage(string Id, ImageRuntimeConfig Config, IReadOnlyList<string> LowerDirs);

/// <summary>The parts of an image's config that shape a container.</summary>
public sealed record ImageRuntimeConfig
{
    public IReadOnlyList<string>? Env { get; init; }
    public IReadOnlyList<string>? Cmd { get; init; }
    public IReadOnlyList<string>? Entrypoint { get; init; }
    public string WorkingDir { get; init; } = "";
    public string User { get; init; } = "";
    public IReadOnlyList<string>? Volumes { get; init; }
    public string? StopSignal { get; init; }
    public IReadOnlyDictionary<string, string>? Labels { get; init; }
    public IReadOnlyList<string>? ExposedPorts { get; init; }
}

/// <summary>Until an image store is registered: every reference is unknown.</summary>
public sealed class NoImageResolver : IImageResolver
{
    public Task<ResolvedImage> ResolveAsync(string reference, CancellationToken cancellationToken) =>
        throw new Errors.NotFoundException($"No such image: {reference}");
}
