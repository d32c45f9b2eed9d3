using Moat.Api.Contracts.Images;
using Moat.Engine.Errors;
using Moat.Engine.Events;
using Moat.Engine.Images;
using Moat.Engine.Storage;
using Moat.Engine.Tests.Storage;

namespace Moat.Engine.Tests.Images;

public sealed class ImageServiceTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("moat-images-").FullName;
    private readonly EventBus _events = new(TimeProvider.System);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private ImageService Open(string name = "a", IImageUsage? usage = null)
    {
        string root = Path.Combine(_dir, name);
        return new ImageService(root, new OverlayLayerStore(Path.Combine(root, "overlay2")), _events, TimeProvider.System, usage);
    }

    private static async Task<List<JsonMessage>> LoadAsync(ImageService service, byte[] archive)
    {
        var messages = new List<JsonMessage>();
        await service.LoadAsync(new MemoryStream(archive), false, m => { messages.Add(m); return Task.CompletedTask; }, CancellationToken.None);
        return messages;
    }

    private static async Task<byte[]> SaveAsync(ImageService service, params string[] names)
    {
        var output = new MemoryStream();
        await service.WriteSaveAsync(service.PrepareSave(names), output, CancellationToken.None);
        return output.ToArray();
    }

    [Fact]
    public async Task Import_SameTarTwice_TwoImagesShareOneLayer()
    {
        var service = Open();
        byte[] tar = new TarBuilder().File("bin/sh", "x").Build();

        string first = await service.ImportAsync(new MemoryStream(tar), "x", null, null, [], null, CancellationToken.None);
        Thread.Sleep(5);
        string second = await service.ImportAsync(new MemoryStream(tar), null, null, null, [], null, CancellationToken.None);

        Assert.NotEqual(first, second); // the config holds the import time, as in dockerd
        Assert.Single(service.Layers.List());
        Assert.Equal(service.Inspect(first).RootFS.Layers, service.Inspect(second).RootFS.Layers);
        Assert.Equal(ImageArchiveBuilder.Digest(tar), service.Inspect(first).RootFS.Layers[0]);
        Assert.Equal(["x:latest"], service.Inspect(first).RepoTags);
        Assert.Equal("Imported from -", service.Inspect(first).Comment);
    }

    [Theory]
    [InlineData("legacy")]
    [InlineData("modern")]
    [InlineData("modern-gzip")]
    [InlineData("oci")]
    public async Task Load_EachLayout_KeepsIdTagsAndWhiteouts(string layout)
    {
        var (lower, upper) = ImageArchiveBuilder.WhiteoutLayers();
        var image = ImageArchiveBuilder.Create([lower, upper], ["app:1", "alice/app:2"]);
        byte[] archive = layout switch
        {
            "legacy" => ImageArchiveBuilder.Legacy(image),
            "modern" => ImageArchiveBuilder.Modern(false, image),
            "modern-gzip" => ImageArchiveBuilder.Modern(true, image),
            _ => ImageArchiveBuilder.OciLayout(true, image),
        };
        var service = Open();

        var messages = await LoadAsync(service, archive);

        var inspect = service.Inspect("app:1");
        Assert.Equal(image.Id, inspect.Id);
        Assert.Equal(["alice/app:2", "app:1"], inspect.RepoTags);
        Assert.Contains(messages, m => m.Stream == "Loaded image: app:1\n");
        var resolved = service.Resolve("alice/app:2");
        Assert.Equal(2, resolved.LayerPaths.Count);
        Assert.Equal(Moat.Linux.Files.S_IFCHR, Moat.Linux.Files.LStat(Path.Combine(resolved.LayerPaths[1], "a/gone"))!.Value.Type);
        Assert.Equal("y"u8.ToArray(), Moat.Linux.Files.LGetXattr(Path.Combine(resolved.LayerPaths[1], "dir"), "trusted.overlay.opaque"));
        Assert.Equal(["sh"], resolved.Config.Cmd!);
    }

    [Fact]
    public async Task Save_ThenLoadElsewhere_SameIdTagsAndLayerBytes()
    {
        var (lower, upper) = ImageArchiveBuilder.WhiteoutLayers();
        var image = ImageArchiveBuilder.Create([lower, upper], ["app:1", "app:2"]);
        var a = Open("a");
        await LoadAsync(a, ImageArchiveBuilder.Legacy(image));

        byte[] saved = await SaveAsync(a, "app");
        var b = Open("b");
        await LoadAsync(b, saved);

        Assert.Equal(image.Id, b.Inspect("app:2").Id);
        Assert.Equal(["app:1", "app:2"], b.Inspect(image.Id).RepoTags);
        Assert.Equal(a.Inspect("app:1").RootFS.Layers, b.Inspect("app:1").RootFS.Layers);
        Assert.Equal(lower, File.ReadAllBytes(b.Blobs.PathOf(ImageArchiveBuilder.Digest(lower))));
    }

    [Fact]
    public async Task Save_UnknownName_NotFoundBeforeWriting()
    {
        var e = Assert.Throws<ImageNotFoundException>(() => Open().PrepareSave(["nope"]));

        Assert.Equal("No such image: nope:latest", e.Message);
        await Task.CompletedTask;
    }

    [Fact]
    public async Task Load_DiffIdMismatch_LeavesNoImageNoLayer()
    {
        var good = new TarBuilder().File("a", "1").Build();
        var other = new TarBuilder().File("b", "2").Build();
        var image = ImageArchiveBuilder.Create([good, other], ["bad:1"]);
        byte[] archive = ImageArchiveBuilder.Legacy(image with { Layers = [good, new TarBuilder().File("evil", "3").Build()] });
        var service = Open();

        var e = await Assert.ThrowsAsync<InvalidArchiveException>(() => LoadAsync(service, archive));

        Assert.Contains("digest mismatch", e.Message);
        Assert.Empty(service.List(ImageFilters.Empty, all: true));
        Assert.Empty(service.Layers.List());
        Assert.Empty(service.Blobs.List());
    }

    [Fact]
    public async Task Load_HostileLayer_RefusedWithLayerNumber()
    {
        var hostile = new TarBuilder().File("../../../../../../tmp/moat-pwned", "x").Build();
        var service = Open();

        var e = await Assert.ThrowsAsync<InvalidArchiveException>(() => LoadAsync(service, ImageArchiveBuilder.Modern(false, ImageArchiveBuilder.Create([hostile], ["evil:1"]))));

        Assert.Contains("invalid layer 1", e.Message);
        Assert.Contains("path escapes the layer", e.Message);
        Assert.False(File.Exists("/tmp/moat-pwned"));
        Assert.Equal(0, service.Count);
    }

    [Fact]
    public async Task Load_ArchiveWithEscapingName_Refused()
    {
        var archive = new TarBuilder().File("../manifest.json", "[]").Build();

        var e = await Assert.ThrowsAsync<InvalidArchiveException>(() => LoadAsync(Open(), archive));

        Assert.Contains("path escapes", e.Message);
    }

    [Fact]
    public async Task Load_ManifestPointingOutsideByItsSymlink_Refused()
    {
        var archive = new TarBuilder().Symlink("cfg.json", "/etc/passwd")
            .File("manifest.json", "[{\"Config\":\"cfg.json\",\"RepoTags\":[],\"Layers\":[]}]").Build();

        var e = await Assert.ThrowsAsync<InvalidArchiveException>(() => LoadAsync(Open(), archive));

        Assert.Contains("outside the archive", e.Message);
    }

    [Fact]
    public async Task Restart_AfterCrash_RemovesOrphansKeepsImages()
    {
        var service = Open();
        var image = ImageArchiveBuilder.Create([new TarBuilder().File("a", "1").Build()], ["keep:1"]);
        await LoadAsync(service, ImageArchiveBuilder.Modern(false, image));
        // What a kill -9 mid-load can leave: temp blobs, a staging dir, unpacked but unreferenced layers and blobs.
        string root = Path.Combine(_dir, "a");
        File.WriteAllText(Path.Combine(root, "image/moat/tmp/partial"), "x");
        var orphanLayer = await service.Layers.CreateAsync(new MemoryStream(new TarBuilder().File("o", "o").Build()), null, null, CancellationToken.None);
        string orphanBlob = service.Blobs.Put("{\"orphan\":true}"u8);
        Directory.CreateDirectory(Path.Combine(root, "overlay2/tmp/unfinished/diff"));

        var reopened = Open();

        Assert.Equal(image.Id, reopened.Inspect("keep:1").Id);
        Assert.Null(reopened.Layers.Get(orphanLayer.DiffId));
        Assert.False(reopened.Blobs.Exists(orphanBlob));
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(root, "image/moat/tmp")));
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(root, "overlay2/tmp")));
    }

    private sealed class Containers(params ImageUser[] users) : IImageUsage
    {
        public IReadOnlyList<ImageUser> UsersOf(string imageId) => users;
    }

    private async Task<(ImageService Service, string Id)> WithImageAsync(IImageUsage usage, params string[] tags)
    {
        var service = Open("u", usage);
        var image = ImageArchiveBuilder.Create([new TarBuilder().File("a", "1").Build()], tags);
        await LoadAsync(service, ImageArchiveBuilder.Modern(false, image));
        return (service, image.Id);
    }

    [Fact]
    public async Task Delete_LastTagUsedByContainer_ConflictMustForce()
    {
        var (service, id) = await WithImageAsync(new Containers(new ImageUser("c0ffee0000000000000000", false)), "app:1");

        var e = await Assert.ThrowsAsync<ConflictException>(() => service.DeleteAsync("app:1", false, true, CancellationToken.None));

        Assert.Equal($"conflict: unable to remove repository reference \"app:1\" (must force) - container c0ffee000000 is using its referenced image {id[7..19]}", e.Message);
        var forced = await service.DeleteAsync("app:1", true, true, CancellationToken.None);
        Assert.Equal("app:1", Assert.Single(forced).Untagged);
        Assert.Equal(id, service.Inspect(id).Id); // kept for its container
    }

    [Fact]
    public async Task Delete_ByIdUsedByRunningContainer_CannotBeForced()
    {
        var (service, id) = await WithImageAsync(new Containers(new ImageUser("abcdef1234567890", true)), "app:1");

        var e = await Assert.ThrowsAsync<ConflictException>(() => service.DeleteAsync(id[7..19], true, true, CancellationToken.None));

        Assert.Equal($"conflict: unable to delete {id[7..19]} (cannot be forced) - image is being used by running container abcdef123456", e.Message);
    }

    [Fact]
    public async Task Delete_ByIdWithTagsInTwoRepositories_MustForce()
    {
        var (service, id) = await WithImageAsync(new NoImageUsage(), "app:1", "other:1");

        var e = await Assert.ThrowsAsync<ConflictException>(() => service.DeleteAsync(id, false, true, CancellationToken.None));
        Assert.Equal($"conflict: unable to delete {id[7..19]} (must be forced) - image is referenced in multiple repositories", e.Message);

        var records = await service.DeleteAsync(id, true, true, CancellationToken.None);
        Assert.Equal(["app:1", "other:1"], records.Where(r => r.Untagged is not null).Select(r => r.Untagged));
        Assert.Contains(records, r => r.Deleted == id);
        Assert.Empty(service.Layers.List());
        Assert.Empty(service.Blobs.List());
    }

    [Fact]
    public async Task Delete_OneOfTwoTags_OnlyUntags()
    {
        var (service, id) = await WithImageAsync(new NoImageUsage(), "app:1", "app:2");

        var records = await service.DeleteAsync("app:1", false, true, CancellationToken.None);

        Assert.Equal("app:1", Assert.Single(records).Untagged);
        Assert.Equal(["app:2"], service.Inspect(id).RepoTags);
    }

    [Fact]
    public async Task List_Filters_DanglingLabelReferenceBeforeSince()
    {
        var service = Open();
        var old = ImageArchiveBuilder.Create([new TarBuilder().File("a", "1").Build()], ["web:old"], labels: new() { ["tier"] = "web" }, created: "2020-01-01T00:00:00Z");
        var mid = ImageArchiveBuilder.Create([new TarBuilder().File("a", "2").Build()], [], created: "2021-01-01T00:00:00Z");
        var recent = ImageArchiveBuilder.Create([new TarBuilder().File("a", "3").Build()], ["db:new"], labels: new() { ["tier"] = "db" }, created: "2022-01-01T00:00:00Z");
        await LoadAsync(service, ImageArchiveBuilder.Modern(false, old, mid, recent));

        List<string> Ids(string json) => [.. service.List(Filters(json), false).Select(s => s.Id)];

        Assert.Equal([recent.Id, mid.Id, old.Id], Ids("{}"));
        Assert.Equal([mid.Id], Ids("{\"dangling\":{\"true\":true}}"));
        Assert.Equal([old.Id], Ids("{\"label\":{\"tier=web\":true}}"));
        Assert.Equal([recent.Id, old.Id], Ids("{\"label\":[\"tier\"]}"));
        Assert.Equal([recent.Id], Ids("{\"reference\":{\"d*\":true}}"));
        Assert.Equal([old.Id], Ids("{\"reference\":{\"web:old\":true}}"));
        Assert.Equal([mid.Id, old.Id], Ids("{\"before\":{\"db:new\":true}}"));
        Assert.Equal([recent.Id], Ids("{\"since\":{\"" + mid.Id + "\":true}}"));
        var e = Assert.Throws<InvalidArgumentException>(() => service.List(Filters("{\"bogus\":{\"x\":true}}"), false));
        Assert.Equal("invalid filter 'bogus'", e.Message);
    }

    private static ImageFilters Filters(string json)
    {
        using var doc = System.Text.Json.JsonDocument.Parse(json);
        var values = new Dictionary<string, List<string>>();
        foreach (var p in doc.RootElement.EnumerateObject())
            values[p.Name] = p.Value.ValueKind == System.Text.Json.JsonValueKind.Array
                ? [.. p.Value.EnumerateArray().Select(v => v.GetString()!)]
                : [.. p.Value.EnumerateObject().Select(v => v.Name)];
        return new ImageFilters(values);
    }

    [Fact]
    public async Task Prune_DanglingThenAll()
    {
        var service = Open();
        var tagged = ImageArchiveBuilder.Create([new TarBuilder().File("a", "1").Build()], ["t:1"]);
        var dangling = ImageArchiveBuilder.Create([new TarBuilder().File("a", "2").Build()], []);
        await LoadAsync(service, ImageArchiveBuilder.Modern(false, tagged, dangling));

        var first = await service.PruneAsync(ImageFilters.Empty, CancellationToken.None);
        Assert.Equal(dangling.Id, Assert.Single(first.ImagesDeleted!, r => r.Deleted == dangling.Id).Deleted);
        Assert.Equal(1, service.Count);

        var all = await service.PruneAsync(Filters("{\"dangling\":{\"false\":true}}"), CancellationToken.None);
        Assert.Contains(all.ImagesDeleted!, r => r.Untagged == "t:1");
        Assert.Equal(0, service.Count);
        Assert.True(all.SpaceReclaimed > 0);
    }

    [Fact]
    public async Task Tag_ThenHistoryAndEvents()
    {
        var service = Open();
        using var events = _events.Subscribe();
        var image = ImageArchiveBuilder.Create([new TarBuilder().File("a", "1").Build(), new TarBuilder().File("b", "22").Build()], ["src:1"]);
        await LoadAsync(service, ImageArchiveBuilder.Modern(false, image));

        await service.TagAsync("src:1", "localhost:5000/dst", "v2", CancellationToken.None);

        var history = service.History("localhost:5000/dst:v2");
        Assert.Equal(2, history.Count);
        Assert.Equal(image.Id, history[0].Id);
        Assert.Equal(["localhost:5000/dst:v2", "src:1"], history[0].Tags!);
        Assert.Equal("<missing>", history[1].Id);
        Assert.Equal("layer 1", history[0].CreatedBy);
        Assert.Equal(2, history[0].Size);
        var actions = new List<string>();
        while (events.Reader.TryRead(out var e)) actions.Add(e.Action + " " + e.Attributes["name"]);
        Assert.Equal(["load " + image.Id, "tag localhost:5000/dst:v2"], actions);
    }

    [Fact]
    public void Pull_AnyReference_RegistryUnavailableWithoutNetwork()
    {
        var e = Assert.Throws<RegistryUnavailableException>(() => ImageService.Pull("busybox", "latest"));

        Assert.StartsWith("Get \"https://registry-1.docker.io/v2/\"", e.Message);
        Assert.Throws<InvalidReferenceException>(() => ImageService.Pull("Busybox", null));
    }

    [Fact]
    public async Task Lookup_ShortIdWithAndWithoutAlgorithm_FindsTheImage()
    {
        var service = Open();
        string id = await service.ImportAsync(new MemoryStream(new TarBuilder().File("a", "b").Build()), null, null, null, [], null, CancellationToken.None);

        Assert.Equal(id, service.Inspect(id[7..19]).Id);
        Assert.Equal(id, service.Inspect("sha256:" + id[7..19]).Id);
        Assert.Equal(id, service.Inspect(id).Id);
        Assert.Throws<ImageNotFoundException>(() => service.Inspect("sha256:" + new string('0', 64)));
    }

    [Fact]
    public async Task Load_OciIndexWithPlatforms_PicksThisHost()
    {
        var layer = new TarBuilder().File("arch", "this").Build();
        var image = ImageArchiveBuilder.Create([layer], []);
        var other = ImageArchiveBuilder.Create([new TarBuilder().File("arch", "other").Build()], []);
        var tar = new TarBuilder();
        string Manifest(ImageArchiveBuilder.Image img)
        {
            tar.File("blobs/sha256/" + img.Id[7..], img.Config);
            tar.File("blobs/sha256/" + ImageArchiveBuilder.Digest(img.Layers[0])[7..], img.Layers[0]);
            string m = $"{{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"config\":{{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"{img.Id}\",\"size\":{img.Config.Length}}},\"layers\":[{{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar\",\"digest\":\"{ImageArchiveBuilder.Digest(img.Layers[0])}\",\"size\":{img.Layers[0].Length}}}]}}";
            byte[] bytes = System.Text.Encoding.UTF8.GetBytes(m);
            tar.File("blobs/sha256/" + ImageArchiveBuilder.Digest(bytes)[7..], bytes);
            return $"{{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"{ImageArchiveBuilder.Digest(bytes)}\",\"size\":{bytes.Length},\"platform\":{{\"architecture\":\"{(img == image ? ImageService.HostArchitecture : "s390x")}\",\"os\":\"linux\"}}}}";
        }
        string list = $"{{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"manifests\":[{Manifest(other)},{Manifest(image)}]}}";
        byte[] listBytes = System.Text.Encoding.UTF8.GetBytes(list);
        tar.File("blobs/sha256/" + ImageArchiveBuilder.Digest(listBytes)[7..], listBytes);
        tar.File("index.json", $"{{\"schemaVersion\":2,\"manifests\":[{{\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"digest\":\"{ImageArchiveBuilder.Digest(listBytes)}\",\"size\":{listBytes.Length},\"annotations\":{{\"io.containerd.image.name\":\"docker.io/library/multi:1\"}}}}]}}");
        var service = Open();

        await LoadAsync(service, tar.Build());

        Assert.Equal(image.Id, service.Inspect("multi:1").Id);
        Assert.Equal(1, service.Count);
    }

    [Fact]
    public async Task Create_LongNamesViaPaxAndGnu_Extracted()
    {
        string longName = string.Join('/', Enumerable.Repeat("directory-name", 12)) + "/file";
        var tar = new TarBuilder().File(longName, "pax")
            .Entry("././@LongLink", 'L', System.Text.Encoding.UTF8.GetBytes(longName + "2\0"), 0x1a4, 0, 0, null)
            .File("truncated", "gnu").Build();
        var store = new OverlayLayerStore(Path.Combine(_dir, "long"));

        var layer = await store.CreateAsync(new MemoryStream(tar), null, null, CancellationToken.None);

        Assert.Equal("pax", File.ReadAllText(Path.Combine(layer.DiffPath, longName)));
        Assert.Equal("gnu", File.ReadAllText(Path.Combine(layer.DiffPath, longName + "2")));
        Assert.False(File.Exists(Path.Combine(layer.DiffPath, "truncated")));
    }
}
