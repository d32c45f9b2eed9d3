using Moat.Compat.Tests.Infrastructure;

namespace Moat.Compat.Tests.Images;

/// <summary>docker load of archives built in code: every layout, multi-layer with deletions, checked on disk and through a real overlay mount.</summary>
public sealed class ImageArchiveTests
{
    [Theory]
    [InlineData("legacy")]
    [InlineData("modern")]
    [InlineData("modern-gzip")]
    [InlineData("oci")]
    [InlineData("gzip-archive")]
    public async Task Load_MultiLayerWithWhiteouts_UnpackedForOverlay(string layout)
    {
        await using var daemon = await MoatDaemon.StartAsync();
        var (lower, upper) = ImageArchiveBuilder.WhiteoutLayers();
        var image = ImageArchiveBuilder.Create([lower, upper], ["app:1"]);
        byte[] archive = layout switch
        {
            "legacy" => ImageArchiveBuilder.Legacy(image),
            "modern" => ImageArchiveBuilder.Modern(false, image),
            "modern-gzip" => ImageArchiveBuilder.Modern(true, image),
            "oci" => ImageArchiveBuilder.OciLayout(true, image),
            _ => TarBuilder.Gzip(ImageArchiveBuilder.Modern(false, image)),
        };
        string file = daemon.Dir.Combine("archive.tar");
        await File.WriteAllBytesAsync(file, archive, TestContext.Current.CancellationToken);

        var load = await daemon.DockerAsync("load", "-i", file);

        Assert.True(load.ExitCode == 0, load.ToString());
        Assert.Contains("Loaded image: app:1", load.Stdout);
        var inspect = await daemon.DockerAsync("image", "inspect", "--format", "{{.Id}} {{json .RootFS.Layers}}", "app:1");
        Assert.Equal($"{image.Id} [\"{ImageArchiveBuilder.Digest(lower)}\",\"{ImageArchiveBuilder.Digest(upper)}\"]", inspect.Stdout.Trim());

        string lowerDir = Path.Combine(daemon.DataRoot, "overlay2", ImageArchiveBuilder.Digest(lower)[7..], "diff");
        string upperDir = Path.Combine(daemon.DataRoot, "overlay2", ImageArchiveBuilder.Digest(upper)[7..], "diff");
        Assert.Equal("character special file 0,0", await NativeFiles.StatAsync(Path.Combine(upperDir, "a/gone")));
        Assert.Equal("y"u8.ToArray(), NativeFiles.GetXattr(Path.Combine(upperDir, "dir"), "trusted.overlay.opaque"));
        Assert.False(File.Exists(Path.Combine(upperDir, "a/.wh.gone")));

        string merged = daemon.Dir.Combine("merged");
        Directory.CreateDirectory(merged);
        NativeFiles.MountOverlay($"{upperDir}:{lowerDir}", merged);
        try
        {
            Assert.Equal("k", File.ReadAllText(Path.Combine(merged, "a/keep")));
            Assert.False(File.Exists(Path.Combine(merged, "a/gone")));
            Assert.Equal(["new"], Directory.EnumerateFileSystemEntries(Path.Combine(merged, "dir")).Select(Path.GetFileName));
            Assert.Equal("new", File.ReadAllText(Path.Combine(merged, "replace")));
        }
        finally
        {
            NativeFiles.Unmount(merged);
        }
    }

    [Fact]
    public async Task Load_ImageSavedByDockerd25Layout_KeepsItsIdAndSavesTheSameLayers()
    {
        await using var daemon = await MoatDaemon.StartAsync();
        var layers = new[] { new TarBuilder().File("etc/os-release", "ID=test").Build(), new TarBuilder().File("bin/app", "#!/bin/sh").Build() };
        var image = ImageArchiveBuilder.Create(layers, ["svc:2"]);
        string file = daemon.Dir.Combine("in.tar");
        await File.WriteAllBytesAsync(file, ImageArchiveBuilder.Modern(false, image), TestContext.Current.CancellationToken);
        Assert.Equal(0, (await daemon.DockerAsync("load", "-q", "-i", file)).ExitCode);

        string saved = daemon.Dir.Combine("out.tar");
        Assert.Equal(0, (await daemon.DockerAsync("save", "-o", saved, "svc:2")).ExitCode);

        var blobs = new Dictionary<string, byte[]>();
        using (var reader = new System.Formats.Tar.TarReader(File.OpenRead(saved)))
            while (reader.GetNextEntry() is { } e)
                if (e.DataStream is not null) { var ms = new MemoryStream(); e.DataStream.CopyTo(ms); blobs[e.Name] = ms.ToArray(); }
        Assert.Equal(image.Config, blobs["blobs/sha256/" + image.Id[7..]]);
        foreach (var layer in layers) Assert.Equal(layer, blobs["blobs/sha256/" + ImageArchiveBuilder.Digest(layer)[7..]]);
    }

    [Fact]
    public async Task Load_ExistingTagOnOtherImage_MovesTheTagLikeDockerd()
    {
        await using var daemon = await MoatDaemon.StartAsync();
        string old = await BusyboxImage.ImportAsync(daemon, "app:1");
        var image = ImageArchiveBuilder.Create([new TarBuilder().File("x", "y").Build()], ["app:1"]);
        string file = daemon.Dir.Combine("a.tar");
        await File.WriteAllBytesAsync(file, ImageArchiveBuilder.Modern(false, image), TestContext.Current.CancellationToken);

        var load = await daemon.DockerAsync("load", "-i", file);

        Assert.Contains($"The image app:1 already exists, renaming the old one with ID {old} to empty string", load.Stdout);
        Assert.Equal(image.Id, (await daemon.DockerAsync("image", "inspect", "--format", "{{.Id}}", "app:1")).Stdout.Trim());
        Assert.Equal(old[7..19], (await daemon.DockerAsync("images", "-q", "--filter", "dangling=true")).Stdout.Trim());
    }
}
