using Moat.Engine.Errors;

namespace Moat.Engine.Images;

/// <summary>"No such image: busybox:latest" (404): the CLI's auto-pull in create/run depends on text and status.</summary>
public sealed class ImageNotFoundException(string reference) : NotFoundException($"No such image: {reference}")
{
    public string Reference { get; } = reference;

    /// <summary>ErrImageDoesNotExist: a named reference is shown with ":latest" added.</summary>
    public static ImageNotFoundException For(ImageReference reference) =>
        new(reference.IsDigestOnly ? reference.Digest! : reference.WithDefaultTag().FamiliarString);
}

/// <summary>A reference that does not follow the docker/distribution grammar (400).</summary>
public sealed class InvalidReferenceException(string message) : InvalidArgumentException(message);

/// <summary>An archive or layer that cannot be accepted (400): malformed, hostile or over a limit.</summary>
public sealed class InvalidArchiveException(string message, Exception? inner = null) : InvalidArgumentException(message, inner);

/// <summary>There is no registry access; returned for pull and push (dockerd answers 500-class errors when the registry is unreachable).</summary>
public sealed class RegistryUnavailableException(string message) : UnavailableException(message);
