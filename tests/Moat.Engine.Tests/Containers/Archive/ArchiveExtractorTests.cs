using Moat.Engine.Containers.Archive;
using Moat.Engine.Storage;
using Moat.Engine.Tests.Storage;

namespace Moat.Engine.Tests.Containers.Archive;

/// <summary>Uploaded tars (docker cp host → container) against a rootfs with hostile symlinks.</summary>
public sealed class ArchiveExtractorTests : IDisposable
{
    private readonly HostileRootfs _c = new();

    public void Dispose()
    {
        _c.AssertHostUntouched();
        _c.Dispose();
    }

    private async Task ExtractAsync(string target, byte[] tar, ExtractOptions? options = null, bool readonlyRootfs = false)
    {
        using var fs = _c.Open(readonlyRootfs);
        using var dir = fs.ResolveDirectory(target, create: false);
        var extractor = new ArchiveExtractor(fs, dir.ContainerPath, options ?? new ExtractOptions());
        extractor.CheckWritable(dir.Entry!);
        await using var stream = await Decompression.OpenAsync(new MemoryStream(tar), DecompressionLimits.Default, CancellationToken.None);
        await extractor.ExtractAsync(new TarStreamReader(stream), CancellationToken.None);
    }

    [Fact]
    public async Task Extract_FilesAndDirectories_KeepModeTimeAndOwner()
    {
        var time = new DateTimeOffset(2021, 5, 6, 7, 8, 9, TimeSpan.Zero);
        var tar = new TarBuilder().Dir("d", mode: 0x1c0, uid: 1234, gid: 2345, mtime: time).File("d/f", "hello", mode: 0x1ed, uid: 1234, gid: 2345, mtime: time).Build();
        await ExtractAsync("/etc", tar);
        string f = Path.Combine(_c.Rootfs, "etc", "d", "f");
        Assert.Equal("hello", File.ReadAllText(f));
        var stat = Moat.Linux.Files.LStat(f)!.Value;
        Assert.Equal(0x81edu, stat.Mode);
        Assert.Equal(1234, stat.Uid);
        Assert.Equal(2345, stat.Gid);
        Assert.Equal(time, stat.ModifyTime);
        var dir = Moat.Linux.Files.LStat(Path.Combine(_c.Rootfs, "etc", "d"))!.Value;
        Assert.Equal(0x41c0u, dir.Mode);
        Assert.Equal(time, dir.ModifyTime);
    }

    [Fact]
    public async Task Extract_Owner_OverridesTheTarIds()
    {
        var tar = new TarBuilder().File("f", "x", uid: 7, gid: 8).Build();
        await ExtractAsync("/", tar, new ExtractOptions { Owner = (1234, 2345) });
        var stat = Moat.Linux.Files.LStat(Path.Combine(_c.Rootfs, "f"))!.Value;
        Assert.Equal((1234, 2345), (stat.Uid, stat.Gid));
    }

    [Theory]
    [InlineData("../escape")]
    [InlineData("a/../../escape")]
    [InlineData("./../../../../../../../../escape")]
    public async Task Extract_DotDotEntry_IsRefused(string name)
    {
        var tar = new TarBuilder().File(name, "pwned").Build();
        var e = await Assert.ThrowsAsync<InvalidLayerException>(() => ExtractAsync("/etc", tar));
        Assert.Contains("outside the extraction directory", e.Message);
        Assert.False(File.Exists(Path.Combine(_c.Rootfs, "escape")));
        Assert.False(File.Exists(Path.Combine(_c.Base, "escape")));
    }

    [Fact]
    public async Task Extract_AbsoluteEntry_LandsBelowTheTarget()
    {
        var tar = new TarBuilder().File("/abs", "x").Build();
        await ExtractAsync("/etc", tar);
        Assert.True(File.Exists(Path.Combine(_c.Rootfs, "etc", "abs")));
    }

    [Theory]
    [InlineData("host-link")]
    [InlineData("host-rel")]
    [InlineData("root-link/../host")]
    public async Task Extract_ThroughHostSymlinkInContainer_StaysInTheRootfs(string dir)
    {
        var tar = new TarBuilder().File(dir + "/pwned", "pwned").Build();
        await ExtractAsync("/", tar);
        // Written where the container sees that path, i.e. under the rootfs: never into the host dir.
        Assert.False(File.Exists(Path.Combine(_c.Host, "pwned")));
        Assert.Single(Directory.EnumerateFiles(_c.Rootfs, "pwned", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = FileAttributes.ReparsePoint }));
    }

    [Fact]
    public async Task Extract_SymlinkThenWriteThroughIt_StaysInTheRootfs()
    {
        var tar = new TarBuilder().Symlink("evil", _c.Host).File("evil/pwned", "pwned").Symlink("up", "../../../..").File("up/pwned2", "x").Build();
        await ExtractAsync("/etc", tar);
        Assert.False(File.Exists(Path.Combine(_c.Host, "pwned")));
        Assert.True(File.Exists(Path.Combine(_c.Rootfs, _c.Host.TrimStart('/'), "pwned")));
        Assert.True(File.Exists(Path.Combine(_c.Rootfs, "pwned2")));
    }

    [Fact]
    public async Task Extract_TargetIsSymlinkToRoot_WritesTheContainerRoot()
    {
        using (var fs = _c.Open())
        using (var dir = fs.ResolveDirectory("/up-link", create: false))
            Assert.Equal("/etc", dir.ContainerPath);
        await ExtractAsync("/up-link", new TarBuilder().File("via-link", "x").Build());
        Assert.True(File.Exists(Path.Combine(_c.Rootfs, "etc", "via-link")));
    }

    [Fact]
    public async Task Extract_HardLinkOutside_IsRefused()
    {
        var tar = new TarBuilder().HardLink("h", "../../host/host-secret").Build();
        await Assert.ThrowsAsync<InvalidLayerException>(() => ExtractAsync("/etc", tar));
        var tar2 = new TarBuilder().HardLink("h", "host-link/host-secret").Build();
        await Assert.ThrowsAsync<ArchivePathException>(() => ExtractAsync("/", tar2));
    }

    [Fact]
    public async Task Extract_HardLinkInside_Works()
    {
        var tar = new TarBuilder().File("a", "same").HardLink("b", "a").Build();
        await ExtractAsync("/etc", tar);
        Assert.Equal(2u, Moat.Linux.Files.LStat(Path.Combine(_c.Rootfs, "etc", "b"))!.Value.Links);
    }

    [Fact]
    public async Task Extract_IntoVolume_LandsInTheVolumeSource()
    {
        await ExtractAsync("/data", new TarBuilder().File("put", "v").Build());
        Assert.Equal("v", File.ReadAllText(Path.Combine(_c.Volume, "put")));
        // An entry under the mount point from the root lands there too.
        await ExtractAsync("/", new TarBuilder().Dir("data").File("data/put2", "w").Build());
        Assert.Equal("w", File.ReadAllText(Path.Combine(_c.Volume, "put2")));
        Assert.False(File.Exists(Path.Combine(_c.Rootfs, "data", "put2")));
    }

    [Fact]
    public async Task Extract_ReadOnlyMountOrRootfs_IsRefused()
    {
        var e = await Assert.ThrowsAsync<ArchivePathException>(() => ExtractAsync("/ro", new TarBuilder().File("x", "x").Build()));
        Assert.Equal("mounted volume is marked read-only", e.Message);
        var e2 = await Assert.ThrowsAsync<ArchivePathException>(() => ExtractAsync("/etc", new TarBuilder().File("x", "x").Build(), readonlyRootfs: true));
        Assert.Equal("container rootfs is marked read-only", e2.Message);
        // From the root, an entry reaching a read-only mount is refused too.
        await Assert.ThrowsAsync<ArchivePathException>(() => ExtractAsync("/", new TarBuilder().File("ro/x", "x").Build()));
        Assert.Empty(Directory.EnumerateFileSystemEntries(_c.ReadOnlyBind));
        // A read-only rootfs still takes writes into a writable volume.
        await ExtractAsync("/data", new TarBuilder().File("ok", "x").Build(), readonlyRootfs: true);
        Assert.True(File.Exists(Path.Combine(_c.Volume, "ok")));
    }

    [Fact]
    public async Task Extract_NoOverwriteDirNonDir_RefusesConflicts()
    {
        var options = new ExtractOptions { NoOverwriteDirNonDir = true };
        var e = await Assert.ThrowsAsync<ArchivePathException>(() => ExtractAsync("/", new TarBuilder().File("etc", "x").Build(), options));
        Assert.Equal("cannot overwrite directory \"/etc\" with non-directory \"/\"", e.Message);
        var e2 = await Assert.ThrowsAsync<ArchivePathException>(() => ExtractAsync("/etc", new TarBuilder().Dir("in-container").Build(), options));
        Assert.Equal("cannot overwrite non-directory \"/etc/in-container\" with directory \"/etc\"", e2.Message);
        // Without the option, a file replaces a directory.
        await ExtractAsync("/etc", new TarBuilder().Dir("sub").File("sub/x", "1").Build());
        await ExtractAsync("/etc", new TarBuilder().File("sub", "now a file").Build());
        Assert.Equal("now a file", File.ReadAllText(Path.Combine(_c.Rootfs, "etc", "sub")));
    }

    [Fact]
    public async Task Extract_ReplacingASymlink_ReplacesTheLinkNotItsTarget()
    {
        await ExtractAsync("/", new TarBuilder().File("host-link", "replaced").Build());
        Assert.Equal("replaced", File.ReadAllText(Path.Combine(_c.Rootfs, "host-link")));
    }

    [Fact]
    public async Task Extract_MountPointAsFile_IsRefused()
    {
        var e = await Assert.ThrowsAsync<ArchivePathException>(() => ExtractAsync("/", new TarBuilder().File("data", "x").Build()));
        Assert.Contains("mount point", e.Message);
    }

    [Fact]
    public async Task Extract_Gzip_IsAccepted()
    {
        await ExtractAsync("/etc", TarBuilder.Gzip(new TarBuilder().File("gz", "zipped").Build()));
        Assert.Equal("zipped", File.ReadAllText(Path.Combine(_c.Rootfs, "etc", "gz")));
    }
}
