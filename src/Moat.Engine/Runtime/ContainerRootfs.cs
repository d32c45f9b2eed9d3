namespace Moat.Engine.Runtime;

/// <summary>Where a container's root filesystem comes from.</summary>
public abstract record ContainerRootfs
{
    /// <summary>
    /// An overlay of image layer dirs, <paramref name="LowerDirs"/> ordered top-most first (as overlayfs's lowerdir),
    /// with the container's writable upper and work dirs under its container dir.
    /// </summary>
    public sealed record Overlay(IReadOnlyList<string> LowerDirs) : ContainerRootfs;

    /// <summary>A plain directory used as is (tests, or a rootfs prepared elsewhere).</summary>
    public sealed record Directory(string Path) : ContainerRootfs;
}
