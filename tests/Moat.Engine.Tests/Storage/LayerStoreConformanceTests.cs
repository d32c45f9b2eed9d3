using System.Security.Cryptography;
using Moat.Engine.Storage;

namespace Moat.Engine.Tests.Storage;

/// <summary>What every <see cref="ILayerStore"/> must do; run once per implementation.</summary>
public abstract class LayerStoreConformanceTests : IDisposable
{
    protected readonly string Dir = Directory.CreateTempSubdirectory("moat-layers-").FullName;
    private readonly List<string> _mounts = [];

    protected abstract ILayerStore Open(string root);

    public void Dispose()
    {
        foreach (var m in _mounts)
            try { Moat.Linux.Files.Unmount(m, detach: true); } catch (IOException) { }
        Directory.Delete(Dir, recursive: true);
    }

    private static Task<LayerInfo> Add(ILayerStore store, byte[] tar) => store.CreateAsync(new MemoryStream(tar), null, null, CancellationToken.None);

    [Fact]
    public async Task Create_SameTarTwice_StoredOnceUnderItsDiffId()
    {
        var store = Open(Path.Combine(Dir, "s"));
        byte[] tar = new TarBuilder().File("etc/hostname", "box").Build();

        var first = await Add(store, tar);
        var second = await Add(store, tar);

        Assert.Equal("sha256:" + Convert.ToHexStringLower(SHA256.HashData(tar)), first.DiffId);
        Assert.Equal(first, second);
        Assert.Single(store.List());
        Assert.Equal(tar.Length, first.TarSize);
    }

    [Fact]
    public async Task Create_WrongExpectedDiffId_KeepsNothing()
    {
        var store = Open(Path.Combine(Dir, "s"));
        string wrong = "sha256:" + new string('0', 64);

        var e = await Assert.ThrowsAsync<InvalidLayerException>(() => store.CreateAsync(new MemoryStream(new TarBuilder().File("a", "b").Build()), wrong, null, CancellationToken.None));

        Assert.Contains("digest mismatch", e.Message);
        Assert.Empty(store.List());
    }

    [Fact]
    public async Task Open_AfterRestart_FindsLayersAndDropsUnfinishedWork()
    {
        string root = Path.Combine(Dir, "s");
        var layer = await Add(Open(root), new TarBuilder().File("a", "b").Build());
        Directory.CreateDirectory(Path.Combine(root, "tmp", "interrupted", "diff"));
        Directory.CreateDirectory(Path.Combine(root, new string('f', 64), "diff")); // no layer.json: never completed

        var reopened = Open(root);

        Assert.Equal([layer.DiffId], reopened.List().Select(l => l.DiffId));
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(root, "tmp")));
        Assert.False(Directory.Exists(Path.Combine(root, new string('f', 64))));
    }

    [Fact]
    public async Task Remove_DeletesTheLayer()
    {
        var store = Open(Path.Combine(Dir, "s"));
        var layer = await Add(store, new TarBuilder().File("a", "b").Build());

        store.Remove(layer.DiffId);

        Assert.Null(store.Get(layer.DiffId));
        Assert.False(Directory.Exists(layer.DiffPath));
    }

    [Fact]
    public async Task MountRootfs_UpperLayerDeletesAndReplaces_MergedViewIsRight()
    {
        var store = Open(Path.Combine(Dir, "s"));
        var lower = await Add(store, new TarBuilder()
            .Dir("a").File("a/keep", "k", mode: 0x9ed, xattrs: new() { ["user.note"] = [0, 1, 255] }).File("a/gone", "g")
            .Dir("dir").File("dir/old", "o").Dir("dir/sub").File("dir/sub/deep", "d")
            .File("replace", "old").Build());
        var upper = await Add(store, new TarBuilder()
            .Dir("a").File("a/.wh.gone", "")
            .Dir("dir").File("dir/.wh..wh..opq", "").File("dir/new", "n")
            .File("replace", "new").Build());
        string target = Path.Combine(Dir, "root");

        store.MountRootfs([lower.DiffId, upper.DiffId], null, null, target);
        _mounts.Add(target);
        try
        {
            Assert.Equal("k", File.ReadAllText(Path.Combine(target, "a/keep")));
            Assert.Equal(new byte[] { 0, 1, 255 }, Moat.Linux.Files.LGetXattr(Path.Combine(target, "a/keep"), "user.note"));
            Assert.Equal(0x9edu, Moat.Linux.Files.LStat(Path.Combine(target, "a/keep"))!.Value.Mode & 0xfff);
            Assert.False(File.Exists(Path.Combine(target, "a/gone")));
            Assert.Equal(["new"], Directory.EnumerateFileSystemEntries(Path.Combine(target, "dir")).Select(Path.GetFileName));
            Assert.Equal("new", File.ReadAllText(Path.Combine(target, "replace")));
            Assert.False(File.Exists(Path.Combine(target, "a/.wh.gone")));
        }
        finally
        {
            store.UnmountRootfs(target);
            _mounts.Remove(target);
        }
    }
}

public sealed class OverlayLayerStoreTests : LayerStoreConformanceTests
{
    protected override ILayerStore Open(string root) => new OverlayLayerStore(root);

    [Fact]
    public void IsSupported_OnThisMachine_True()
    {
        Assert.True(OverlayLayerStore.IsSupported(Dir, out string reason), reason);
        Assert.Equal("overlay2", Open(Path.Combine(Dir, "o")).Driver);
    }
}

public sealed class VfsLayerStoreTests : LayerStoreConformanceTests
{
    protected override ILayerStore Open(string root) => new VfsLayerStore(root, "test");
}
