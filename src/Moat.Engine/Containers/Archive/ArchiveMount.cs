namespace Moat.Engine.Containers.Archive;

/// <summary>
/// A mount of the container as docker cp must see it: the host <paramref name="Source"/> (a directory, or a file for
/// /etc/hosts and friends) appears at <paramref name="Destination"/> inside the container. "tmpfs" mounts have no
/// host source: their content exists only inside a running container, so copying refuses to enter them.
/// </summary>
public sealed record ArchiveMount(string Destination, string Source, bool ReadOnly, string Type)
{
    public bool IsTmpfs => Type == "tmpfs";
}
