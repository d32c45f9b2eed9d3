using Moat.Compat.Tests.Infrastructure;

namespace Moat.Compat.Tests.Images;

/// <summary>kill -9 of moatd in the middle of docker load: the next start shows no half image and loads again cleanly.</summary>
public sealed class LoadCrashTests
{
    [Fact]
    public async Task KillDuringLoad_RestartedStoreIsCleanAndLoadsAgain()
    {
        var dir = new TempDir("moatd-crash");
        var layers = Enumerable.Range(0, 4).Select(i =>
        {
            var data = new byte[24 << 20];
            new Random(i).NextBytes(data);
            return new TarBuilder().File($"blob{i}", data).Build();
        }).ToArray();
        var image = ImageArchiveBuilder.Create(layers, ["big:1"]);
        string archive = dir.Combine("big.tar");
        await File.WriteAllBytesAsync(archive, ImageArchiveBuilder.Modern(false, image), TestContext.Current.CancellationToken);

        var first = MoatDaemon.Launch(dir, null, null);
        await first.WaitReadyAsync(TimeSpan.FromSeconds(20));
        var load = first.DockerAsync(["load", "-i", archive], timeout: TimeSpan.FromMinutes(2));
        string unpacking = Path.Combine(first.DataRoot, "overlay2", "tmp");
        var deadline = DateTime.UtcNow.AddSeconds(60);
        // Wait until layers are being unpacked (the archive is staged), then kill -9.
        while (DateTime.UtcNow < deadline && !(Directory.Exists(unpacking) && Directory.EnumerateFileSystemEntries(unpacking).Any()))
            await Task.Delay(2, TestContext.Current.CancellationToken);
        first.Signal(9);
        await first.WaitForExitAsync(TimeSpan.FromSeconds(10));
        var interrupted = await load;
        Assert.True(interrupted.ExitCode != 0, "the load finished before the kill: " + interrupted);

        await using var second = MoatDaemon.Launch(dir, null, null);
        await second.WaitReadyAsync(TimeSpan.FromSeconds(20));

        Assert.Equal("", (await second.DockerAsync("images", "-aq")).Stdout.Trim());
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(second.DataRoot, "image/moat/tmp")));
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(second.DataRoot, "image/moat/blobs/sha256")));
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(second.DataRoot, "image/moat/images")));
        Assert.Equal(["tmp"], Directory.EnumerateFileSystemEntries(Path.Combine(second.DataRoot, "overlay2")).Select(Path.GetFileName));

        var again = await second.DockerAsync(["load", "-i", archive], timeout: TimeSpan.FromMinutes(2));
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Equal(image.Id, (await second.DockerAsync("image", "inspect", "--format", "{{.Id}}", "big:1")).Stdout.Trim());
        File.Delete(archive);
    }
}
