using Moat.Engine.Errors;
using Moat.Engine.Tests.Containers;
using Moat.Engine.Volumes;

namespace Moat.Engine.Tests.Volumes;

public sealed class VolumeServiceTests
{
    private sealed class Users(Dictionary<string, string[]> map) : IVolumeUsage
    {
        public IReadOnlyList<string> ContainersUsing(string volumeName) => map.TryGetValue(volumeName, out var ids) ? ids : [];
    }

    [Fact]
    public void Create_SameName_ReturnsExisting()
    {
        using var dir = new ContainerTestDir();
        var volumes = dir.NewVolumes();
        var a = volumes.Create("data", null, new Dictionary<string, string> { ["k"] = "v" }, null, "alice");
        var b = volumes.Create("data", null, null, null, "bob");
        Assert.Same(a, b);
        Assert.Equal("alice", b.Owner);
        Assert.True(Directory.Exists(volumes.DataPath("data")));
    }

    [Theory]
    [InlineData("bad/name", "includes invalid characters for a local volume name")]
    [InlineData("x", "volume name is too short")]
    public void Create_InvalidName_ThrowsDockerdMessage(string name, string message)
    {
        using var dir = new ContainerTestDir();
        var e = Assert.Throws<InvalidArgumentException>(() => dir.NewVolumes().Create(name, null, null, null, null));
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void Create_OtherDriver_NotFound()
    {
        using var dir = new ContainerTestDir();
        Assert.Throws<NotFoundException>(() => dir.NewVolumes().Create("v1", "nfs", null, null, null));
    }

    [Fact]
    public void Remove_InUse_ThrowsConflict()
    {
        using var dir = new ContainerTestDir();
        var volumes = dir.NewVolumes();
        volumes.Usage = new Users(new() { ["busy"] = ["c1"] });
        volumes.Create("busy", null, null, null, null);
        var e = Assert.Throws<ConflictException>(() => volumes.Remove("busy", force: false));
        Assert.Equal("remove busy: volume is in use - [c1]", e.Message);
        Assert.Throws<ConflictException>(() => volumes.Remove("busy", force: true));
        var missing = Assert.Throws<NotFoundException>(() => volumes.Remove("ghost", force: false));
        Assert.Equal("get ghost: no such volume", missing.Message);
        volumes.Remove("ghost", force: true);
    }

    [Fact]
    public void Prune_OnlyAnonymousUnlessAll_AndSkipsInUse()
    {
        using var dir = new ContainerTestDir();
        var volumes = dir.NewVolumes();
        var anon = volumes.Create(null, null, null, null, null, anonymous: true);
        var used = volumes.Create(null, null, null, null, null, anonymous: true);
        volumes.Create("named", null, null, null, null);
        volumes.Usage = new Users(new() { [used.Name] = ["c1"] });
        File.WriteAllText(Path.Combine(volumes.DataPath(anon.Name), "f"), "12345");

        var (deleted, reclaimed) = volumes.Prune(_ => true, all: false);
        Assert.Equal([anon.Name], deleted);
        Assert.Equal(5, reclaimed);
        Assert.NotNull(volumes.TryGet("named"));
        Assert.Equal(["named"], volumes.Prune(_ => true, all: true).Deleted);
        Assert.Equal([used.Name], volumes.List().Select(v => v.Name));
    }

    [Fact]
    public void Reload_KeepsVolumesAndData()
    {
        using var dir = new ContainerTestDir();
        var volumes = dir.NewVolumes();
        volumes.Create("kept", null, new Dictionary<string, string> { ["a"] = "b" }, null, null);
        File.WriteAllText(Path.Combine(volumes.DataPath("kept"), "f"), "data");
        var again = dir.NewVolumes().Get("kept");
        Assert.Equal("b", again.Labels["a"]);
        Assert.Equal("data", File.ReadAllText(Path.Combine(dir.NewVolumes().DataPath("kept"), "f")));
    }

    [Fact]
    public async Task Populate_CopiesImageContentOnceIntoEmptyVolume()
    {
        using var dir = new ContainerTestDir();
        var volumes = dir.NewVolumes();
        string image = Path.Combine(dir.Path, "image-etc");
        Directory.CreateDirectory(image);
        File.WriteAllText(Path.Combine(image, "passwd"), "root:x:0:0");
        var v = volumes.Create("etc", null, null, null, null);
        await volumes.PopulateAsync(v, image, TestContext.Current.CancellationToken);
        Assert.Equal("root:x:0:0", File.ReadAllText(Path.Combine(volumes.DataPath("etc"), "passwd")));
        File.Delete(Path.Combine(volumes.DataPath("etc"), "passwd"));
        await volumes.PopulateAsync(v, image, TestContext.Current.CancellationToken);
        Assert.False(File.Exists(Path.Combine(volumes.DataPath("etc"), "passwd")));
    }
}
