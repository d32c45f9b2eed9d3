using Moat.Engine.Errors;

namespace Moat.Engine.Containers.Archive;

/// <summary>dockerd's containerFileNotFound: the path does not exist in the container (or is not reachable).</summary>
public sealed class ContainerFileNotFoundException(string path, string container)
    : NotFoundException($"Could not find the file {path} in container {container}");

/// <summary>A path lies in a place copying cannot touch (read-only rootfs or mount, a tmpfs mount, a mount point).</summary>
public sealed class ArchivePathException(string message) : InvalidArgumentException(message);
