using Moat.Engine.Storage;
using Moat.Linux;

namespace Moat.Engine.Tests.Storage;

/// <summary>Hostile tars against the real extractor and store: each is refused, nothing lands outside, nothing is left behind.</summary>
public sealed class LayerExtractionTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("moat-extract-").FullName;
    private readonly string _outside;
    private readonly OverlayLayerStore _store;

    public LayerExtractionTests()
    {
        _outside = Path.Combine(_dir, "outside");
        Directory.CreateDirectory(_outside);
        System.IO.File.WriteAllText(Path.Combine(_outside, "victim"), "original");
        _store = new OverlayLayerStore(Path.Combine(_dir, "store"));
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private async Task<InvalidLayerException> AssertRefusedAsync(byte[] tar, string messagePart)
    {
        var e = await Assert.ThrowsAsync<InvalidLayerException>(() => _store.CreateAsync(new MemoryStream(tar), null, null, CancellationToken.None));
        Assert.Contains(messagePart, e.Message);
        Assert.Empty(_store.List());
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(_store.Root, "tmp")));
        Assert.Equal("original", System.IO.File.ReadAllText(Path.Combine(_outside, "victim")));
        Assert.Equal(["victim"], Directory.EnumerateFileSystemEntries(_outside).Select(Path.GetFileName));
        return e;
    }

    private Task<LayerInfo> CreateAsync(byte[] tar) => _store.CreateAsync(new MemoryStream(tar), null, null, CancellationToken.None);

    [Theory]
    [InlineData("../escape")]
    [InlineData("a/../../escape")]
    [InlineData("./../../../../../../../../../../escape")]
    public async Task Create_DotDotEscape_IsRefused(string name)
    {
        var tar = new TarBuilder().File("ok", "x").File(name, "pwned").Build();

        await AssertRefusedAsync(tar, "path escapes the layer");

        Assert.False(System.IO.File.Exists(Path.Combine(_store.Root, "escape")));
        Assert.False(System.IO.File.Exists(Path.Combine(_store.Root, "tmp", "escape")));
        Assert.False(System.IO.File.Exists("/escape"));
    }

    [Fact]
    public async Task Create_InnerDotDot_StaysInside()
    {
        var layer = await CreateAsync(new TarBuilder().Dir("a").File("a/../b", "in").Build());

        Assert.Equal("in", System.IO.File.ReadAllText(Path.Combine(layer.DiffPath, "b")));
    }

    [Fact]
    public async Task Create_AbsolutePath_IsStrippedIntoTheLayer()
    {
        string hostPath = Path.Combine(_outside, "abs-file");
        var layer = await CreateAsync(new TarBuilder().File(hostPath, "data").Build());

        Assert.False(System.IO.File.Exists(hostPath));
        Assert.Equal("data", System.IO.File.ReadAllText(layer.DiffPath + hostPath));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Create_WriteThroughSymlink_IsRefused(bool absolute)
    {
        string target = absolute ? _outside : "../../../../outside";
        var tar = new TarBuilder().Symlink("link", target).File("link/victim", "pwned").Build();

        await AssertRefusedAsync(tar, "would write through the symlink \"link\"");
    }

    [Fact]
    public async Task Create_DirectoryEntryThroughSymlink_IsRefused()
    {
        var tar = new TarBuilder().Symlink("link", _outside).Dir("link/sub").Build();

        await AssertRefusedAsync(tar, "symlink");
        Assert.False(Directory.Exists(Path.Combine(_outside, "sub")));
    }

    [Fact]
    public async Task Create_FileOverSymlink_ReplacesTheLinkNotItsTarget()
    {
        var layer = await CreateAsync(new TarBuilder().Symlink("f", Path.Combine(_outside, "victim")).File("f", "new content").Build());

        Assert.Equal("original", System.IO.File.ReadAllText(Path.Combine(_outside, "victim")));
        var st = Files.LStat(Path.Combine(layer.DiffPath, "f"))!.Value;
        Assert.True(st.IsRegular);
        Assert.Equal("new content", System.IO.File.ReadAllText(Path.Combine(layer.DiffPath, "f")));
    }

    [Theory]
    [InlineData("../../../outside/victim", "path escapes the layer")]
    [InlineData("/etc/passwd", "is not in the layer")]
    [InlineData("link/victim", "goes through a symlink")]
    public async Task Create_HardLinkOutside_IsRefused(string target, string message)
    {
        var tar = new TarBuilder().Symlink("link", _outside).HardLink("h", target).Build();

        await AssertRefusedAsync(tar, message);
        Assert.Equal(1u, Files.LStat(Path.Combine(_outside, "victim"))!.Value.Links);
    }

    [Fact]
    public async Task Create_HardLinkInside_SharesTheInode()
    {
        var layer = await CreateAsync(new TarBuilder().File("a", "same").HardLink("b", "a").Build());

        Assert.Equal(2u, Files.LStat(Path.Combine(layer.DiffPath, "b"))!.Value.Links);
    }

    [Theory]
    [InlineData(".", '2')]
    [InlineData("./", '0')]
    [InlineData("/", '2')]
    [InlineData("a/..", '1')]
    public async Task Create_EntryReplacingRoot_IsRefused(string name, char type)
    {
        var tar = new TarBuilder().File("a", "x").Entry(name, type, [], 0x1ff, 0, 0, null, link: _outside).Build();

        await AssertRefusedAsync(tar, "replace the layer root");
    }

    [Theory]
    [InlineData("dir/.wh..")]
    [InlineData("dir/.wh...")]
    [InlineData(".wh.")]
    public async Task Create_WhiteoutOfDotOrNothing_IsRefused(string name)
    {
        var tar = new TarBuilder().Dir("dir").File(name, "").Build();

        await AssertRefusedAsync(tar, "whiteout without a name");
    }

    [Fact]
    public async Task Create_OverlayXattrInTar_IsNotApplied()
    {
        var tar = new TarBuilder().Entry("e", '5', [], 0x1ed, 0, 0, null,
            xattrs: new() { ["trusted.overlay.redirect"] = "/etc"u8.ToArray(), ["trusted.overlay.opaque"] = "y"u8.ToArray() }).Build();

        var layer = await CreateAsync(tar);

        Assert.Null(Files.LGetXattr(Path.Combine(layer.DiffPath, "e"), "trusted.overlay.redirect"));
        Assert.Null(Files.LGetXattr(Path.Combine(layer.DiffPath, "e"), "trusted.overlay.opaque"));
    }

    [Fact]
    public async Task Create_Whiteouts_BecomeOverlayWhiteoutsAndOpaqueDirectories()
    {
        var tar = new TarBuilder().Dir("a").File("a/.wh.gone", "").Dir("b").File("b/.wh..wh..opq", "").File("b/new", "n").File(".wh..wh.plnk", "").Build();

        var layer = await CreateAsync(tar);

        var whiteout = Files.LStat(Path.Combine(layer.DiffPath, "a/gone"))!.Value;
        Assert.Equal(Files.S_IFCHR, whiteout.Type);
        Assert.Equal((0u, 0u), (whiteout.RdevMajor, whiteout.RdevMinor));
        Assert.Equal("y"u8.ToArray(), Files.LGetXattr(Path.Combine(layer.DiffPath, "b"), LayerExtractor.OpaqueXattr));
        Assert.False(System.IO.File.Exists(Path.Combine(layer.DiffPath, "a/.wh.gone")));
        Assert.False(System.IO.File.Exists(Path.Combine(layer.DiffPath, "b/.wh..wh..opq")));
        Assert.False(System.IO.File.Exists(Path.Combine(layer.DiffPath, ".wh..wh.plnk")));
    }

    [Fact]
    public async Task Create_Metadata_OwnershipModesXattrsAndTimesKept()
    {
        byte[] capability = [0x01, 0x00, 0x00, 0x02, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00];
        var fileTime = new DateTimeOffset(2001, 2, 3, 4, 5, 6, TimeSpan.Zero);
        var dirTime = new DateTimeOffset(1999, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var tar = new TarBuilder()
            .Dir("bin", mode: 0x1c0 /* 0700 */, uid: 7, gid: 8, mtime: dirTime)
            .File("bin/su", "elf", mode: 0x9ed /* 04755 */, uid: 1234, gid: 5678, mtime: fileTime,
                xattrs: new() { ["security.capability"] = capability, ["user.note"] = "hello"u8.ToArray() })
            .Dir("tmp", mode: 0x3ff /* 01777 */)
            .CharDevice("null", 1, 3)
            .Fifo("pipe")
            .Symlink("sh", "/bin/su")
            .Build();

        var layer = await CreateAsync(tar);

        string su = Path.Combine(layer.DiffPath, "bin/su");
        var st = Files.LStat(su)!.Value;
        Assert.Equal(0x9edu, st.Mode & 0xfff);
        Assert.Equal((1234, 5678), (st.Uid, st.Gid));
        Assert.Equal(fileTime, st.ModifyTime);
        Assert.Equal(capability, Files.LGetXattr(su, "security.capability"));
        Assert.Equal("hello"u8.ToArray(), Files.LGetXattr(su, "user.note"));
        var bin = Files.LStat(Path.Combine(layer.DiffPath, "bin"))!.Value;
        Assert.Equal((0x1c0u, 7, 8), (bin.Mode & 0xfff, bin.Uid, bin.Gid));
        Assert.Equal(dirTime, bin.ModifyTime); // set after its child was written
        Assert.Equal(0x3ffu, Files.LStat(Path.Combine(layer.DiffPath, "tmp"))!.Value.Mode & 0xfff);
        var dev = Files.LStat(Path.Combine(layer.DiffPath, "null"))!.Value;
        Assert.Equal((Files.S_IFCHR, 1u, 3u), (dev.Type, dev.RdevMajor, dev.RdevMinor));
        Assert.Equal(Files.S_IFIFO, Files.LStat(Path.Combine(layer.DiffPath, "pipe"))!.Value.Type);
        Assert.Equal("/bin/su", new FileInfo(Path.Combine(layer.DiffPath, "sh")).LinkTarget);
        Assert.Equal(3, layer.Size);
    }

    [Fact]
    public async Task Create_GzipBomb_FailsCleanly()
    {
        var store = new OverlayLayerStore(Path.Combine(_dir, "bomb"), new DecompressionLimits(1L << 40, 100, 1 << 20));
        byte[] gz = TarBuilder.Gzip(new TarBuilder().File("zeros", new byte[32 << 20]).Build());

        var e = await Assert.ThrowsAsync<InvalidLayerException>(() => store.CreateAsync(new MemoryStream(gz), null, null, CancellationToken.None));

        Assert.Contains("compression bomb", e.Message);
        Assert.Empty(store.List());
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(store.Root, "tmp")));
    }

    [Fact]
    public async Task Create_OverTotalLimit_FailsCleanly()
    {
        var store = new OverlayLayerStore(Path.Combine(_dir, "big"), new DecompressionLimits(1 << 20, 1000, 1 << 20));

        var e = await Assert.ThrowsAsync<InvalidLayerException>(() => store.CreateAsync(new MemoryStream(new TarBuilder().File("f", new byte[2 << 20]).Build()), null, null, CancellationToken.None));

        Assert.Contains("larger than the limit", e.Message);
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(store.Root, "tmp")));
    }

    [Fact]
    public async Task Create_GzipLayer_DiffIdIsOfTheUncompressedTar()
    {
        byte[] tar = new TarBuilder().File("a", "b").Build();

        var layer = await _store.CreateAsync(new MemoryStream(TarBuilder.Gzip(tar)), null, null, CancellationToken.None);

        Assert.Equal("sha256:" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(tar)), layer.DiffId);
    }

    [Fact]
    public async Task Create_CorruptHeader_IsRefused()
    {
        byte[] tar = new TarBuilder().File("a", "b").Build();
        tar[0] ^= 0x55;

        await AssertRefusedAsync(tar, "checksum");
    }
}
