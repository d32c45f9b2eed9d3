using Moat.Engine.Containers;
using Moat.Engine.Errors;

namespace Moat.Engine.Tests.Containers;

public sealed class ContainerStoreTests
{
    [Fact]
    public void Get_ByIdNameAndPrefix_FindsContainer()
    {
        using var dir = new ContainerTestDir();
        var store = dir.NewStore();
        var r = ContainerTestDir.Record("web", "abcdef" + new string('0', 58));
        store.Add(r);

        Assert.Same(r, store.Get(r.Id));
        Assert.Same(r, store.Get("web"));
        Assert.Same(r, store.Get("/web"));
        Assert.Same(r, store.Get("abcd"));
        var e = Assert.Throws<ContainerNotFoundException>(() => store.Get("nope"));
        Assert.Equal("No such container: nope", e.Message);
    }

    [Fact]
    public void Get_AmbiguousPrefix_ThrowsInvalidArgument()
    {
        using var dir = new ContainerTestDir();
        var store = dir.NewStore();
        store.Add(ContainerTestDir.Record("a", "ab1" + new string('0', 61)));
        store.Add(ContainerTestDir.Record("b", "ab2" + new string('0', 61)));
        var e = Assert.Throws<InvalidArgumentException>(() => store.Get("ab"));
        Assert.Equal("multiple IDs found with provided prefix: ab", e.Message);
    }

    [Fact]
    public void Get_WithOwner_OthersContainersDoNotExist()
    {
        using var dir = new ContainerTestDir();
        var store = dir.NewStore();
        var mine = ContainerTestDir.Record("mine", "ab1" + new string('0', 61));
        mine.Owner = "alice";
        var theirs = ContainerTestDir.Record("theirs", "ab2" + new string('0', 61));
        theirs.Owner = "bob";
        store.Add(mine);
        store.Add(theirs);

        // A prefix shared with bob's container is not ambiguous for alice: it is hers alone.
        Assert.Same(mine, store.Get("ab", "alice"));
        foreach (string key in new[] { theirs.Id, "theirs", "/theirs", "ab2" })
            Assert.Equal($"No such container: {key}", Assert.Throws<ContainerNotFoundException>(() => store.Get(key, "alice")).Message);
        Assert.Same(theirs, store.Get("theirs"));
    }

    [Fact]
    public void Add_DuplicateName_ThrowsDockerdConflict()
    {
        using var dir = new ContainerTestDir();
        var store = dir.NewStore();
        var first = ContainerTestDir.Record("dup");
        store.Add(first);
        var e = Assert.Throws<ContainerNameConflictException>(() => store.Add(ContainerTestDir.Record("dup")));
        Assert.Equal($"Conflict. The container name \"/dup\" is already in use by container \"{first.Id}\". You have to remove (or rename) that container to be able to reuse that name.", e.Message);
        Assert.Equal("Conflict. The container name \"/dup\" is already in use. You have to use another name.", e.Redacted().Message);
    }

    [Fact]
    public void Reload_AfterRestart_KeepsStateAndSkipsCorruptFiles()
    {
        using var dir = new ContainerTestDir();
        var store = dir.NewStore();
        var r = ContainerTestDir.Record("persist");
        r.State.Status = ContainerStatus.Exited;
        r.State.ExitCode = 3;
        store.Add(r);
        string corrupt = Path.Combine(store.Root, "corrupt");
        Directory.CreateDirectory(corrupt);
        File.WriteAllText(Path.Combine(corrupt, "config.v2.json"), "{not json");

        var reloaded = dir.NewStore().Get("persist");
        Assert.Equal(r.Id, reloaded.Id);
        Assert.Equal(ContainerStatus.Exited, reloaded.State.Status);
        Assert.Equal(3, reloaded.State.ExitCode);
        Assert.Equal("persist", reloaded.Config.Labels!["app"]);
    }

    [Fact]
    public void Save_LeavesNoTempFiles()
    {
        using var dir = new ContainerTestDir();
        var store = dir.NewStore();
        var r = ContainerTestDir.Record("atomic");
        store.Add(r);
        for (int i = 0; i < 5; i++) { r.RestartCount = i; store.Save(r); }
        Assert.Equal(["config.v2.json"], Directory.EnumerateFiles(store.DirectoryOf(r.Id)).Select(Path.GetFileName));
    }

    [Fact]
    public void Rename_ToTakenName_ThrowsConflict()
    {
        using var dir = new ContainerTestDir();
        var store = dir.NewStore();
        // Names that are not hex, so that no random ID prefix can answer for them.
        var a = ContainerTestDir.Record("web");
        store.Add(a);
        store.Add(ContainerTestDir.Record("queue"));
        Assert.Throws<ContainerNameConflictException>(() => store.Rename(a, "/queue"));
        store.Rename(a, "/proxy");
        Assert.Same(a, store.Get("proxy"));
        Assert.Null(store.TryGet("web"));
    }
}
