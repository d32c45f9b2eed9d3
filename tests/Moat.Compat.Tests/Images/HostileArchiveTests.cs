using Moat.Compat.Tests.Infrastructure;

namespace Moat.Compat.Tests.Images;

/// <summary>Hostile layers through docker load and docker import: refused with a clear error, nothing written outside, nothing left.</summary>
public sealed class HostileArchiveTests
{
    public static TheoryData<string> Cases => ["dotdot", "symlink-write", "symlink-relative", "hardlink-outside", "hardlink-via-symlink", "replace-root", "bomb"];

    private static (byte[] Tar, string Message) Build(string name, string outside) => name switch
    {
        "dotdot" => (new TarBuilder().File("../../../../../../../../" + outside.TrimStart('/') + "/dotdot", "x").Build(), "path escapes the layer"),
        "symlink-write" => (new TarBuilder().Symlink("etc", outside).File("etc/victim", "pwned").Build(), "would write through the symlink"),
        "symlink-relative" => (new TarBuilder().Symlink("up", "../../../../../../../../..").File("up" + outside + "/rel", "x").Build(), "would write through the symlink"),
        "hardlink-outside" => (new TarBuilder().HardLink("h", "../../../../../../../.." + outside + "/victim").Build(), "path escapes the layer"),
        "hardlink-via-symlink" => (new TarBuilder().Symlink("s", outside).HardLink("h", "s/victim").Build(), "goes through a symlink"),
        "replace-root" => (new TarBuilder().File("a", "b").Symlink(".", outside).Build(), "replace the layer root"),
        _ => (TarBuilder.Gzip(new TarBuilder().File("zeros", new byte[96 << 20]).Build()), "compression bomb"),
    };

    private static void AssertNothingLeft(MoatDaemon daemon, string outside)
    {
        Assert.Equal(["victim"], Directory.EnumerateFileSystemEntries(outside).Select(Path.GetFileName));
        Assert.Equal("original", File.ReadAllText(Path.Combine(outside, "victim")));
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(daemon.DataRoot, "image/moat/blobs/sha256")));
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(daemon.DataRoot, "image/moat/tmp")));
        Assert.Equal(["tmp"], Directory.EnumerateFileSystemEntries(Path.Combine(daemon.DataRoot, "overlay2")).Select(Path.GetFileName));
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(daemon.DataRoot, "overlay2/tmp")));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Load_HostileLayer_RefusedNothingEscapes(string name)
    {
        await using var daemon = await MoatDaemon.StartAsync();
        string outside = daemon.Dir.Combine("outside");
        Directory.CreateDirectory(outside);
        File.WriteAllText(Path.Combine(outside, "victim"), "original");
        var (layer, message) = Build(name, outside);
        var image = ImageArchiveBuilder.Create([new TarBuilder().File("ok", "fine").Build(), layer], ["evil:1"]);
        string file = daemon.Dir.Combine("evil.tar");
        // Gzip layers only in the modern layout (the bomb is a gzip layer).
        await File.WriteAllBytesAsync(file, name == "bomb" ? BombArchive(image, layer) : ImageArchiveBuilder.Legacy(image), TestContext.Current.CancellationToken);

        var load = await daemon.DockerAsync(["load", "-i", file], timeout: TimeSpan.FromMinutes(2));

        Assert.True(load.ExitCode != 0, load.ToString());
        Assert.Contains(message, load.Stderr + load.Stdout);
        Assert.Equal("", (await daemon.DockerAsync("images", "-aq")).Stdout.Trim());
        AssertNothingLeft(daemon, outside);
    }

    /// <summary>An OCI archive whose second layer is the gzip bomb (config diff-id of its uncompressed bytes is irrelevant: it fails first).</summary>
    private static byte[] BombArchive(ImageArchiveBuilder.Image image, byte[] gz)
    {
        var tar = new TarBuilder();
        string okLayer = ImageArchiveBuilder.Digest(image.Layers[0]);
        tar.File("blobs/sha256/" + okLayer[7..], image.Layers[0]);
        tar.File("blobs/sha256/" + ImageArchiveBuilder.Digest(gz)[7..], gz);
        tar.File("blobs/sha256/" + image.Id[7..], image.Config);
        tar.File("manifest.json", $"[{{\"Config\":\"blobs/sha256/{image.Id[7..]}\",\"RepoTags\":[\"evil:1\"],\"Layers\":[\"blobs/sha256/{okLayer[7..]}\",\"blobs/sha256/{ImageArchiveBuilder.Digest(gz)[7..]}\"]}}]");
        return tar.Build();
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Import_HostileTar_RefusedNothingEscapes(string name)
    {
        await using var daemon = await MoatDaemon.StartAsync();
        string outside = daemon.Dir.Combine("outside");
        Directory.CreateDirectory(outside);
        File.WriteAllText(Path.Combine(outside, "victim"), "original");
        var (tar, message) = Build(name, outside);
        string file = daemon.Dir.Combine("evil.tar");
        await File.WriteAllBytesAsync(file, tar, TestContext.Current.CancellationToken);

        var import = await daemon.DockerAsync(["import", file, "evil:1"], timeout: TimeSpan.FromMinutes(2));

        Assert.True(import.ExitCode != 0, import.ToString());
        Assert.Contains(message, import.Stderr);
        Assert.Equal("", (await daemon.DockerAsync("images", "-aq")).Stdout.Trim());
        AssertNothingLeft(daemon, outside);
    }
}
