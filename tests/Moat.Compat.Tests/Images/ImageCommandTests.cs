using System.Formats.Tar;
using System.Text.Json;
using Moat.Compat.Tests.Infrastructure;

namespace Moat.Compat.Tests.Images;

/// <summary>The image commands of the real docker CLI against dist/moatd.</summary>
public sealed class ImageCommandTests
{

    private static async Task<string> FailAsync(MoatDaemon daemon, params string[] args)
    {
        var r = await daemon.DockerAsync(args);
        Assert.True(r.ExitCode != 0, $"docker {string.Join(' ', args)} should fail: {r}");
        return r.Stderr.Trim();
    }

    [Fact]
    public async Task ImportTagSaveRmiLoad_RoundTrip_KeepsTheId()
    {
        await using var daemon = await MoatDaemon.StartAsync();
        string id = await BusyboxImage.ImportAsync(daemon);

        Assert.Equal($"{id} [\"busybox:latest\"] [\"sh\"] linux 1", await daemon.DockerOkAsync("image", "inspect", "--format", "{{.Id}} {{json .RepoTags}} {{json .Config.Cmd}} {{.Os}} {{len .RootFS.Layers}}", "busybox"));
        await daemon.DockerOkAsync("tag", "busybox", "me/bb:1");
        string archive = daemon.Dir.Combine("saved.tar");
        await daemon.DockerOkAsync("save", "-o", archive, "busybox:latest", "me/bb:1");

        string removed = await daemon.DockerOkAsync("rmi", "busybox:latest", "me/bb:1");
        Assert.Contains("Untagged: busybox:latest", removed);
        Assert.Contains("Untagged: me/bb:1", removed);
        Assert.Contains("Deleted: " + id, removed);
        Assert.Equal("", await daemon.DockerOkAsync("images", "-aq"));

        string loaded = await daemon.DockerOkAsync("load", "-i", archive);
        Assert.Contains("Loaded image: busybox:latest", loaded);
        Assert.Contains("Loaded image: me/bb:1", loaded);
        Assert.Equal(id, await daemon.DockerOkAsync("image", "inspect", "--format", "{{.Id}}", "busybox"));
        Assert.Equal(id, await daemon.DockerOkAsync("image", "inspect", "--format", "{{.Id}}", "me/bb:1"));
    }

    [Fact]
    public async Task Save_TwoTags_ArchiveHasBothAndLoadsIntoAnotherDaemon()
    {
        await using var daemon = await MoatDaemon.StartAsync();
        string id = await BusyboxImage.ImportAsync(daemon, "one:a");
        await daemon.DockerOkAsync("tag", "one:a", "two:b");
        string archive = daemon.Dir.Combine("two.tar");

        await daemon.DockerOkAsync("save", "-o", archive, "one:a", "two:b");

        var files = new Dictionary<string, byte[]>();
        using (var reader = new TarReader(File.OpenRead(archive)))
            while (reader.GetNextEntry() is { } e)
                if (e.DataStream is not null) { var ms = new MemoryStream(); e.DataStream.CopyTo(ms); files[e.Name] = ms.ToArray(); }
        using var manifest = JsonDocument.Parse(files["manifest.json"]);
        var entry = Assert.Single(manifest.RootElement.EnumerateArray());
        Assert.Equal(["one:a", "two:b"], entry.GetProperty("RepoTags").EnumerateArray().Select(t => t.GetString()));
        Assert.Equal("blobs/sha256/" + id[7..], entry.GetProperty("Config").GetString());
        Assert.True(files.ContainsKey("oci-layout"));
        using var index = JsonDocument.Parse(files["index.json"]);
        Assert.Equal(["docker.io/library/one:a", "docker.io/library/two:b"],
            index.RootElement.GetProperty("manifests").EnumerateArray().Select(m => m.GetProperty("annotations").GetProperty("io.containerd.image.name").GetString()));

        await using var other = await MoatDaemon.StartAsync();
        await other.DockerOkAsync("load", "-i", archive);
        var rows = (await other.DockerOkAsync("images", "--format", "{{.Repository}}:{{.Tag}} {{.ID}}")).Split('\n').Order(StringComparer.Ordinal); // the CLI groups tags in a Go map: any order
        Assert.Equal([$"one:a {id[7..19]}", $"two:b {id[7..19]}"], rows);
    }

    [Fact]
    public async Task Import_WithChangesAndMessage_ConfigAndHistory()
    {
        await using var daemon = await MoatDaemon.StartAsync();

        string id = await daemon.DockerOkAsync("import", "-m", "hello there",
            "--change", "ENV PATH=/bin:/usr/bin", "--change", "WORKDIR /srv", "--change", "EXPOSE 8080",
            "--change", "LABEL tier=web", "--change", "USER nobody", "--change", "ENTRYPOINT [\"/bin/sh\"]",
            BusyboxImage.TarPath, "web:1");

        Assert.Equal("[\"PATH=/bin:/usr/bin\"] /srv {\"8080/tcp\":{}} web nobody [\"/bin/sh\"] hello there",
            await daemon.DockerOkAsync("image", "inspect", "--format", "{{json .Config.Env}} {{.Config.WorkingDir}} {{json .Config.ExposedPorts}} {{index .Config.Labels \"tier\"}} {{.Config.User}} {{json .Config.Entrypoint}} {{.Comment}}", "web:1"));
        Assert.Equal("hello there", await daemon.DockerOkAsync("history", "--format", "{{.Comment}}", "web:1"));
        Assert.StartsWith(id[7..19], await daemon.DockerOkAsync("history", "-q", "web:1"));
        Assert.Contains("RUN is not a valid change command", await FailAsync(daemon, "import", "--change", "RUN x", BusyboxImage.TarPath), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Import_SameTarTwice_TwoIdsOneStoredLayer()
    {
        await using var daemon = await MoatDaemon.StartAsync();

        string first = await BusyboxImage.ImportAsync(daemon, "a:1");
        string second = await BusyboxImage.ImportAsync(daemon, "b:1");

        Assert.NotEqual(first, second);
        string layersA = await daemon.DockerOkAsync("image", "inspect", "--format", "{{json .RootFS.Layers}}", "a:1");
        Assert.Equal(layersA, await daemon.DockerOkAsync("image", "inspect", "--format", "{{json .RootFS.Layers}}", "b:1"));
        Assert.Single(Directory.EnumerateDirectories(Path.Combine(daemon.DataRoot, "overlay2")), d => Path.GetFileName(d).Length == 64);
    }

    [Fact]
    public async Task Errors_MissingInvalidAndPull_DockerdMessages()
    {
        await using var daemon = await MoatDaemon.StartAsync();

        Assert.Contains("No such image: nope:latest", await FailAsync(daemon, "image", "inspect", "nope"));
        Assert.Contains("No such image: nope:latest", await FailAsync(daemon, "rmi", "nope"));
        Assert.Contains("No such image: nope:latest", await FailAsync(daemon, "tag", "nope", "x"));
        Assert.Contains("No such image: nope:latest", await FailAsync(daemon, "history", "nope"));
        Assert.Contains("No such image: nope:latest", await FailAsync(daemon, "save", "nope", "-o", daemon.Dir.Combine("x.tar")));
        Assert.Contains("must be lowercase", await FailAsync(daemon, "image", "inspect", "Nope"));
        string pull = await FailAsync(daemon, "pull", "busybox");
        Assert.Contains("Get \"https://registry-1.docker.io/v2/\"", pull);
        Assert.Contains("registry access is disabled", pull);
    }

    [Fact]
    public async Task Images_FiltersFormatsAndDigests()
    {
        await using var daemon = await MoatDaemon.StartAsync();
        await daemon.DockerOkAsync("import", "--change", "LABEL tier=web", BusyboxImage.TarPath, "web:1");
        await daemon.DockerOkAsync("import", "--change", "LABEL tier=db", BusyboxImage.TarPath, "db:1");
        string dangling = await daemon.DockerOkAsync("import", BusyboxImage.TarPath);

        Assert.Equal("web", await daemon.DockerOkAsync("images", "--filter", "label=tier=web", "--format", "{{.Repository}}"));
        Assert.Equal(dangling[7..19], await daemon.DockerOkAsync("images", "--filter", "dangling=true", "-q"));
        Assert.Equal("db:1", await daemon.DockerOkAsync("images", "--filter", "reference=d*", "--format", "{{.Repository}}:{{.Tag}}"));
        Assert.Equal("<none> <none>", await daemon.DockerOkAsync("images", "--filter", "dangling=true", "--format", "{{.Repository}} {{.Tag}}"));
        Assert.Contains("DIGEST", await daemon.DockerOkAsync("images", "--digests"));
        Assert.Contains("invalid filter 'bogus'", await FailAsync(daemon, "images", "--filter", "bogus=1"));
        Assert.Equal("3", (await daemon.DockerOkAsync("images", "-q")).Split('\n').Length.ToString());
    }

    [Fact]
    public async Task Prune_DanglingThenAll_AndSystemDf()
    {
        await using var daemon = await MoatDaemon.StartAsync();
        await BusyboxImage.ImportAsync(daemon, "keep:1");
        string dangling = await daemon.DockerOkAsync("import", BusyboxImage.TarPath);
        Assert.StartsWith("Images 2", await daemon.DockerOkAsync("system", "df", "--format", "{{.Type}} {{.TotalCount}}"));

        string pruned = await daemon.DockerOkAsync("image", "prune", "-f");
        Assert.Contains("deleted: " + dangling, pruned);
        Assert.Equal("keep:1", await daemon.DockerOkAsync("images", "--format", "{{.Repository}}:{{.Tag}}"));

        string all = await daemon.DockerOkAsync("image", "prune", "-af");
        Assert.Contains("untagged: keep:1", all);
        Assert.Equal("", await daemon.DockerOkAsync("images", "-aq"));
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(daemon.DataRoot, "image/moat/blobs/sha256")));
        Assert.Equal(["tmp"], Directory.EnumerateFileSystemEntries(Path.Combine(daemon.DataRoot, "overlay2")).Select(Path.GetFileName));
    }
}
