using Moat.Engine.Containers.Archive;

namespace Moat.Engine.Tests.Containers.Archive;

/// <summary>Path resolution inside a container's rootfs with hostile symlinks and spliced-in mounts.</summary>
public sealed class ContainerFileSystemTests : IDisposable
{
    private readonly HostileRootfs _c = new();
    private readonly ContainerFileSystem _fs;

    public ContainerFileSystemTests()
    {
        _fs = _c.Open();
    }

    public void Dispose()
    {
        _fs.Dispose();
        _c.AssertHostUntouched();
        _c.Dispose();
    }

    [Theory]
    [InlineData("/root-link/etc/in-container", "/etc/in-container")]
    [InlineData("/up-link/in-container", "/etc/in-container")]
    [InlineData("/../../../etc/in-container", "/etc/in-container")]
    [InlineData("/data/vol-etc/in-container", "/etc/in-container")]
    [InlineData("/data/../etc/in-container", "/etc/in-container")]
    [InlineData("/data/in-volume", "/data/in-volume")]
    [InlineData("/root-link/data/in-volume", "/data/in-volume")]
    public void Resolve_StaysInsideTheContainer(string path, string expected)
    {
        using var r = _fs.Resolve(path, followLast: false);
        Assert.NotNull(r.Entry);
        Assert.Equal(expected, r.ContainerPath);
        Assert.True(r.Entry.Stat.IsRegular);
    }

    [Fact]
    public void Resolve_IntoVolume_ReachesTheVolumeSource()
    {
        using var r = _fs.Resolve("/data/in-volume", followLast: false);
        Assert.NotNull(r.Entry!.Mount);
        Assert.Equal("volume", r.Entry.Mount!.Type);
        Assert.Equal(new FileInfo(Path.Combine(_c.Volume, "in-volume")).Length, r.Entry.Stat.Size);
    }

    [Theory]
    [InlineData("/host-link/host-secret")]
    [InlineData("/host-rel/host-secret")]
    [InlineData("/data/vol-up/host-secret")]
    [InlineData("/root-link/../host/host-secret")]
    public void Resolve_HostSymlinks_NeverReachTheHost(string path)
    {
        // The targets name host paths; inside the container they do not exist.
        Assert.Throws<ContainerPathMissingException>(() => _fs.Resolve(path, followLast: false));
    }

    [Fact]
    public void Resolve_LastSymlink_IsNotFollowedUnlessAsked()
    {
        using (var link = _fs.Resolve("/root-link", followLast: false))
            Assert.True(link.Entry!.Stat.IsSymlink);
        using (var target = _fs.Resolve("/root-link/", followLast: false))
        {
            Assert.True(target.Entry!.Stat.IsDirectory);
            Assert.Equal("/", target.ContainerPath);
        }
        using (var followed = _fs.Resolve("/up-link", followLast: true))
            Assert.Equal("/etc", followed.ContainerPath);
    }

    [Theory]
    [InlineData("/etc/in-container/")]
    [InlineData("/etc/in-container/.")]
    public void Resolve_FileWithTrailingSlash_IsMissing(string path) =>
        Assert.Throws<ContainerPathMissingException>(() => _fs.Resolve(path, followLast: false));

    [Fact]
    public void Resolve_SymlinkLoop_IsRefused()
    {
        var e = Assert.Throws<ArchivePathException>(() => _fs.Resolve("/loop-a/x", followLast: false));
        Assert.Contains("too many levels of symbolic links", e.Message);
    }

    [Fact]
    public void Resolve_MissingLastComponent_ReturnsItsDirectory()
    {
        using var r = _fs.Resolve("/etc/new-file", followLast: false);
        Assert.Null(r.Entry);
        Assert.Equal("/etc", r.Directory.ContainerPath);
        Assert.Equal("new-file", r.Name);
    }

    [Fact]
    public void FollowInScope_ResolvesLinksInsideTheContainer()
    {
        Assert.Equal("/", _fs.FollowInScope("/root-link"));
        Assert.Equal("/etc", _fs.FollowInScope("/up-link"));
        Assert.Equal(_c.Host, _fs.FollowInScope("/host-link")); // a dangling name inside the container, not the host dir
        Assert.Equal("/nowhere/file", _fs.FollowInScope("/dangling"));
    }

    [Fact]
    public void Resolve_IntoTmpfs_IsRefusedClearly()
    {
        var e = Assert.Throws<ArchivePathException>(() => _fs.Resolve("/tmpfs/x", followLast: false));
        Assert.Contains("tmpfs", e.Message);
    }

    [Fact]
    public void ResolveDirectory_File_IsNotADirectory()
    {
        Assert.Throws<ContainerPathNotDirectoryException>(() => _fs.ResolveDirectory("/etc/in-container", create: false));
        Assert.Throws<ContainerPathMissingException>(() => _fs.ResolveDirectory("/nope", create: false));
    }

    [Fact]
    public void ResolveDirectory_Create_MakesMissingDirectoriesInsideTheRootfs()
    {
        using var r = _fs.ResolveDirectory("/host-link/made/here", create: true);
        Assert.Equal(_c.Host + "/made/here", r.ContainerPath);
        Assert.True(Directory.Exists(Path.Combine(_c.Rootfs, _c.Host.TrimStart('/'), "made", "here")));
    }
}
