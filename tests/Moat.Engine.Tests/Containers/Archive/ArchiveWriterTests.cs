using System.Formats.Tar;
using Moat.Engine.Containers.Archive;

namespace Moat.Engine.Tests.Containers.Archive;

/// <summary>Tars out of a container (docker cp container → host): symlinks are entries, never followed out.</summary>
public sealed class ArchiveWriterTests : IDisposable
{
    private readonly HostileRootfs _c = new();

    public void Dispose()
    {
        _c.AssertHostUntouched();
        _c.Dispose();
    }

    private async Task<List<(string Name, TarEntryType Type, string Link, string? Content)>> ArchiveAsync(string path, string topName)
    {
        using var fs = _c.Open();
        using var resolved = fs.Resolve(path, followLast: false);
        var output = new MemoryStream();
        await new ArchiveWriter(fs).WriteAsync(resolved.Entry!, topName, output, CancellationToken.None);
        output.Position = 0;
        var entries = new List<(string, TarEntryType, string, string?)>();
        using var reader = new TarReader(output);
        while (reader.GetNextEntry() is { } e)
            entries.Add((e.Name, e.EntryType, e.LinkName, e.DataStream is null ? null : new StreamReader(e.DataStream).ReadToEnd()));
        return entries;
    }

    [Fact]
    public async Task Archive_WholeRoot_HasNoHostContent()
    {
        var entries = await ArchiveAsync("/", "");
        Assert.Contains(entries, e => e.Name == "/etc/in-container" && e.Content == "container file\n");
        Assert.Contains(entries, e => e.Name == "/root-link" && e.Type == TarEntryType.SymbolicLink && e.Link == "/");
        Assert.Contains(entries, e => e.Name == "/data/in-volume" && e.Content == "volume file\n"); // the volume, spliced in
        Assert.DoesNotContain(entries, e => e.Content?.Contains("HOST SECRET") == true);
        Assert.DoesNotContain(entries, e => e.Name.Contains("host-secret"));
        Assert.DoesNotContain(entries, e => e.Name.StartsWith("/tmpfs/"));
    }

    [Fact]
    public async Task Archive_SymlinkToRootWithTrailingSlash_ArchivesTheContainerRoot()
    {
        var entries = await ArchiveAsync("/root-link/", "root-link");
        Assert.Equal("root-link/", entries[0].Name);
        Assert.Contains(entries, e => e.Name == "root-link/etc/in-container");
        Assert.DoesNotContain(entries, e => e.Content?.Contains("HOST SECRET") == true);
    }

    [Fact]
    public async Task Archive_UpLinkChain_ArchivesTheContainerEtc()
    {
        var entries = await ArchiveAsync("/up-link/", "up-link");
        Assert.Contains(entries, e => e.Name == "up-link/passwd");
        Assert.DoesNotContain(entries, e => e.Content?.Contains("HOST SECRET") == true);
    }

    [Fact]
    public async Task Archive_File_IsOneEntryWithItsContent()
    {
        var entries = await ArchiveAsync("/etc/in-container", "in-container");
        var only = Assert.Single(entries);
        Assert.Equal(("in-container", TarEntryType.RegularFile, "container file\n"), (only.Name, only.Type, only.Content));
    }

    [Fact]
    public async Task Archive_HardLinks_AreLinkEntries()
    {
        File.WriteAllText(Path.Combine(_c.Rootfs, "etc", "a"), "x");
        Moat.Linux.Files.Link(Path.Combine(_c.Rootfs, "etc", "a"), Path.Combine(_c.Rootfs, "etc", "b"));
        var entries = await ArchiveAsync("/etc", "etc");
        Assert.Contains(entries, e => e.Name == "etc/a" && e.Type == TarEntryType.RegularFile);
        Assert.Contains(entries, e => e.Name == "etc/b" && e.Type == TarEntryType.HardLink && e.Link == "etc/a");
    }
}
