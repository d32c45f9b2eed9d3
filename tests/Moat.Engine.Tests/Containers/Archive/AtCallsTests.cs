using Moat.Linux;
using Moat.Linux.FileSystem;
using static Moat.Linux.FileSystem.AtCalls;

namespace Moat.Engine.Tests.Containers.Archive;

/// <summary>The kernel behaviours the container walk relies on (openat2 RESOLVE_* flags on this kernel).</summary>
public sealed class AtCallsTests : IDisposable
{
    private readonly HostileRootfs _c = new();

    public void Dispose() => _c.Dispose();

    [Fact]
    public void Openat2_InRoot_ResolvesAbsoluteSymlinksInsideTheRoot()
    {
        using var root = AtCalls.open(_c.Rootfs, O_PATH | O_DIRECTORY);
        using var fd = openat2(root, "root-link/up-link/in-container", O_PATH, 0, RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS);
        Assert.Equal(new FileInfo(Path.Combine(_c.Rootfs, "etc", "in-container")).Length, AtCalls.fstat(fd).Size);
        var e = Assert.Throws<LinuxFileException>(() => openat2(root, "host-link/host-secret", O_PATH, 0, RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS));
        Assert.Equal(ENOENT, e.Errno);
    }

    [Fact]
    public void Openat2_BeneathNoSymlinks_RefusesEscapesAndReturnsTheLinkItself()
    {
        using var root = AtCalls.open(_c.Rootfs, O_PATH | O_DIRECTORY);
        Assert.Throws<LinuxFileException>(() => openat2(root, "..", O_PATH, 0, RESOLVE_BENEATH));
        Assert.Throws<LinuxFileException>(() => openat2(root, "root-link", O_PATH, 0, RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS));
        using var link = openat2(root, "root-link", O_PATH | O_NOFOLLOW, 0, RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS);
        Assert.True(AtCalls.fstat(link).IsSymlink);
        Assert.Equal("/", readlinkat(link, ""));
    }

    [Fact]
    public void Getdents64_ListsNamesWithoutDots()
    {
        using var root = AtCalls.open(Path.Combine(_c.Rootfs, "etc"), O_RDONLY | O_DIRECTORY);
        var names = getdents64(root, 100);
        names.Sort(StringComparer.Ordinal);
        Assert.Equal(["group", "in-container", "passwd"], names);
    }
}
