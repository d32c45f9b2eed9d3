using System.Text;
using Moat.Compat.Tests.Containers;
using Moat.Compat.Tests.Infrastructure;

namespace Moat.Compat.Tests.Archive;

/// <summary>
/// docker cp with hostile symlinks in the container (the CVE-2018-15664 / CVE-2019-14271 class) and hostile tars:
/// a marker directory at the host's root must never be read into the output nor written to.
/// </summary>
public sealed class CopySecurityTests(BusyboxDaemonFixture fixture) : IClassFixture<BusyboxDaemonFixture>, IDisposable
{
    private readonly string _marker = "/moat-cp-marker-" + Guid.NewGuid().ToString("N")[..12];
    private readonly string _secret = "HOST MARKER " + Guid.NewGuid().ToString("N");
    private readonly TempDir _dir = new("moat-cpsec-");
    private bool _created;

    private MoatDaemon Daemon => fixture.Daemon;

    private void CreateMarker()
    {
        Directory.CreateDirectory(_marker);
        File.WriteAllText(Path.Combine(_marker, "secret"), _secret);
        _created = true;
    }

    private void AssertMarkerUntouched()
    {
        Assert.Equal(["secret"], Directory.EnumerateFileSystemEntries(_marker).Select(Path.GetFileName));
        Assert.Equal(_secret, File.ReadAllText(Path.Combine(_marker, "secret")));
    }

    public void Dispose()
    {
        if (_created) Directory.Delete(_marker, recursive: true);
        _dir.Dispose();
    }


    /// <summary>A running container with links to "/", a ../ chain, and the host marker's (absolute) path.</summary>
    private async Task<string> HostileContainerAsync(string name)
    {
        CreateMarker();
        await Daemon.DockerOkAsync("run", "-d", "--name", name, "busybox", "sh", "-c",
            $"ln -s / /rootlink && ln -s ../../../../etc /uplink && ln -s {_marker} /hostlink && mkdir -p /deep/a/b && ln -s ../../../../../../.. /deep/a/b/up && touch /tmp/ready && sleep 300");
        for (int i = 0; i < 100; i++)
        {
            if ((await ArchiveHttp.GetAsync(Daemon, name, "/tmp/ready", "HEAD")).Status == 200) return name;
            await Task.Delay(100);
        }
        throw new TimeoutException("the container did not make its links");
    }

    private void AssertNoSecretIn(string directory)
    {
        foreach (var file in Directory.EnumerateFiles(directory, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = FileAttributes.ReparsePoint }))
            Assert.DoesNotContain(_secret, File.ReadAllText(file));
        Assert.Empty(Directory.EnumerateFileSystemEntries(directory, "secret", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = FileAttributes.ReparsePoint }));
    }

    [Fact]
    public async Task CpOut_ThroughHostileSymlinks_NeverReadsTheHost()
    {
        string c = await HostileContainerAsync("cpread");
        string markerName = _marker.TrimStart('/');
        string outDir = _dir.Combine("out");
        Directory.CreateDirectory(outDir);

        foreach (var path in new[] { "/hostlink/secret", $"/rootlink/{markerName}/secret", $"/uplink/../{markerName}/secret", $"/deep/a/b/up/{markerName}/secret" })
        {
            var r = await Daemon.DockerAsync("cp", $"{c}:{path}", outDir);
            Assert.NotEqual(0, r.ExitCode);
            Assert.Contains("Could not find the file", r.Stderr);
        }
        var followed = await Daemon.DockerAsync("cp", "-L", $"{c}:/hostlink", Path.Combine(outDir, "followed"));
        Assert.NotEqual(0, followed.ExitCode);

        // The ../ chain and the link to "/" reach the container's own /etc, and its root — never the host's.
        await Daemon.DockerOkAsync("cp", $"{c}:/deep/a/b/up/etc/passwd", Path.Combine(outDir, "passwd"));
        Assert.Equal(await Daemon.DockerOkAsync("cp", $"{c}:/etc/passwd", "-"), await Daemon.DockerOkAsync("cp", $"{c}:/uplink/passwd", "-"));
        // (The whole root holds the ../ chain link, which the CLI itself refuses to extract; the raw test reads "/".)
        await Daemon.DockerOkAsync("cp", $"{c}:/rootlink/etc", Path.Combine(outDir, "etc"));
        Assert.Contains("root:x:0:0:root:/root:/bin/sh", File.ReadAllText(Path.Combine(outDir, "etc", "passwd")));
        await Daemon.DockerOkAsync("cp", $"{c}:/deep/a/b/up/tmp/", Path.Combine(outDir, "up"));
        Assert.True(File.Exists(Path.Combine(outDir, "up", "ready")));
        AssertNoSecretIn(outDir);
        AssertMarkerUntouched();
        await Daemon.DockerOkAsync("rm", "-f", c);
    }

    [Fact]
    public async Task CpIn_ThroughHostileSymlinks_NeverWritesTheHost()
    {
        string c = await HostileContainerAsync("cpwrite");
        string markerName = _marker.TrimStart('/');
        string file = _dir.Combine("pwned");
        File.WriteAllText(file, "pwned\n");

        foreach (var target in new[] { "/hostlink/", "/hostlink/pwned", $"/rootlink/{markerName}/", $"/uplink/../{markerName}/pwned", $"/deep/a/b/up/{markerName}/pwned", "/hostlink" })
        {
            await Daemon.DockerAsync("cp", file, $"{c}:{target}");
            AssertMarkerUntouched();
        }
        // Whatever landed, landed inside the container: its own /<marker> exists there now.
        Assert.Equal(200, (await ArchiveHttp.GetAsync(Daemon, c, "/" + markerName, "HEAD")).Status);
        AssertMarkerUntouched();
        await Daemon.DockerOkAsync("rm", "-f", c);
    }

    [Fact]
    public async Task RawPut_HostileTars_AreRefusedOrContained()
    {
        string c = await HostileContainerAsync("cpraw");
        string markerName = _marker.TrimStart('/');

        var dotdot = await ArchiveHttp.PutAsync(Daemon, c, "/etc", new TarBuilder().File($"../../../../../../{markerName}/pwned", "pwned").Build());
        Assert.Equal(400, dotdot.Status);
        Assert.Contains("outside the extraction directory", dotdot.Body);

        var missing = await ArchiveHttp.PutAsync(Daemon, c, "/hostlink", new TarBuilder().File("pwned", "pwned").Build());
        Assert.Equal(404, missing.Status);
        Assert.Contains("Could not find the file /hostlink in container cpraw", missing.Body);

        var notDir = await ArchiveHttp.PutAsync(Daemon, c, "/etc/passwd", new TarBuilder().File("pwned", "pwned").Build());
        Assert.Equal(400, notDir.Status);
        Assert.Contains("extraction point is not a directory", notDir.Body);

        // A symlink to the host path, then a write through it: the write stays in the container.
        var through = await ArchiveHttp.PutAsync(Daemon, c, "/", new TarBuilder().Symlink("evil", _marker).File("evil/pwned", "pwned").Build());
        Assert.Equal(200, through.Status);
        var inside = await ArchiveHttp.GetAsync(Daemon, c, $"/{markerName}/pwned", "HEAD");
        Assert.Equal(200, inside.Status);

        var viaRoot = await ArchiveHttp.PutAsync(Daemon, c, "/rootlink", new TarBuilder().File($"{markerName}/pwned2", "x").Build());
        Assert.Equal(200, viaRoot.Status);
        var hardlink = await ArchiveHttp.PutAsync(Daemon, c, "/", new TarBuilder().HardLink("h", $"hostlink/secret").Build());
        Assert.Equal(400, hardlink.Status);
        AssertMarkerUntouched();

        var read = await ArchiveHttp.GetAsync(Daemon, c, "/");
        Assert.Equal(200, read.Status);
        Assert.DoesNotContain(_secret, Encoding.Latin1.GetString(read.Body));
        await Daemon.DockerOkAsync("rm", "-f", c);
    }

    [Fact]
    public async Task Cp_WhileTheContainerSwapsSymlinks_NeverLeavesIt()
    {
        // CVE-2018-15664's shape: /w flips between a directory and a link to the host marker's path while we copy.
        CreateMarker();
        string c = "cprace";
        await Daemon.DockerOkAsync("run", "-d", "--name", c, "busybox", "sh", "-c",
            $"echo inside > /inside; while true; do rm -rf /w; ln -s {_marker} /w; rm -f /w; mkdir /w; cp /inside /w/secret; done");
        string file = _dir.Combine("pwned");
        File.WriteAllText(file, "pwned\n");
        string outDir = _dir.Combine("race");
        Directory.CreateDirectory(outDir);
        for (int i = 0; i < 30; i++)
        {
            await Daemon.DockerAsync("cp", file, $"{c}:/w/pwned");
            await Daemon.DockerAsync("cp", $"{c}:/w/secret", Path.Combine(outDir, "secret-" + i));
            await ArchiveHttp.PutAsync(Daemon, c, "/w", new TarBuilder().File("pwned2", "x").Build());
            try
            {
                var got = await ArchiveHttp.GetAsync(Daemon, c, "/w/");
                Assert.DoesNotContain(_secret, Encoding.Latin1.GetString(got.Body));
            }
            catch (HttpRequestException)
            {
                // A tree that vanishes under the copy may end the stream early; it never leaves the container.
            }
        }
        AssertMarkerUntouched();
        // The container rewrites /w/secret all the time: a copy may catch it half-written, never anything else.
        foreach (var f in Directory.EnumerateFiles(outDir))
        {
            string content = File.ReadAllText(f).TrimEnd('\0');
            Assert.True("inside\n".StartsWith(content, StringComparison.Ordinal), $"unexpected content: {content}");
        }
        await Daemon.DockerOkAsync("rm", "-f", c);
    }
}
