using System.Text.Json;
using Moat.Compat.Tests.Containers;
using Moat.Compat.Tests.Infrastructure;

namespace Moat.Compat.Tests.Volumes;

/// <summary>docker volume commands and named/anonymous volumes in containers.</summary>
public sealed class VolumeTests(BusyboxDaemonFixture fixture) : IClassFixture<BusyboxDaemonFixture>
{
    private MoatDaemon Daemon => fixture.Daemon;


    [Fact]
    public async Task Volume_CreateListInspectRemove()
    {
        Assert.Equal("data1", await Daemon.DockerOkAsync("volume", "create", "--label", "team=a", "data1"));
        using (var doc = JsonDocument.Parse(await Daemon.DockerOkAsync("volume", "inspect", "data1")))
        {
            var v = doc.RootElement[0];
            Assert.Equal("local", v.GetProperty("Driver").GetString());
            Assert.Equal("a", v.GetProperty("Labels").GetProperty("team").GetString());
            Assert.True(Directory.Exists(v.GetProperty("Mountpoint").GetString()));
        }
        Assert.Contains("data1", await Daemon.DockerOkAsync("volume", "ls", "-q", "--filter", "label=team=a"));
        Assert.DoesNotContain("data1", await Daemon.DockerOkAsync("volume", "ls", "-q", "--filter", "label=team=b"));
        await Daemon.DockerOkAsync("volume", "rm", "data1");
        var missing = await Daemon.DockerAsync("volume", "inspect", "data1");
        Assert.NotEqual(0, missing.ExitCode);
        var rmMissing = await Daemon.DockerAsync("volume", "rm", "data1");
        Assert.Contains("no such volume", rmMissing.Stderr);
        var bad = await Daemon.DockerAsync("volume", "create", "bad/name");
        Assert.Contains("includes invalid characters for a local volume name", bad.Stderr);
    }

    [Fact]
    public async Task NamedVolume_SurvivesContainerAndIsInUse()
    {
        await Daemon.DockerOkAsync("run", "--name", "writer", "-v", "keep:/data", "busybox", "sh", "-c", "echo persisted > /data/f");
        var inUse = await Daemon.DockerAsync("volume", "rm", "keep");
        Assert.NotEqual(0, inUse.ExitCode);
        Assert.Contains("volume is in use", inUse.Stderr);
        await Daemon.DockerOkAsync("rm", "-v", "writer");
        Assert.Equal("persisted", await Daemon.DockerOkAsync("run", "--rm", "-v", "keep:/data", "busybox", "cat", "/data/f"));
        await Daemon.DockerOkAsync("volume", "rm", "keep");
    }

    [Fact]
    public async Task NamedVolume_CopiedFromImageOnFirstUse()
    {
        string passwd = await Daemon.DockerOkAsync("run", "--rm", "-v", "etccopy:/etc", "busybox", "cat", "/etc/passwd");
        Assert.Contains("root:x:0:0", passwd);
        await Daemon.DockerOkAsync("volume", "rm", "etccopy");
    }

    [Fact]
    public async Task AnonymousVolume_RemovedWithRmV()
    {
        await Daemon.DockerOkAsync("run", "--name", "anon", "--mount", "type=volume,target=/scratch", "busybox", "touch", "/scratch/x");
        string name = await Daemon.DockerOkAsync("inspect", "-f", "{{range .Mounts}}{{.Name}}{{end}}", "anon");
        Assert.Equal(64, name.Length);
        Assert.Contains(name, await Daemon.DockerOkAsync("volume", "ls", "-q"));
        await Daemon.DockerOkAsync("rm", "-v", "anon");
        Assert.DoesNotContain(name, await Daemon.DockerOkAsync("volume", "ls", "-q"));
    }

    [Fact]
    public async Task VolumePrune_RemovesUnused()
    {
        await Daemon.DockerOkAsync("volume", "create", "--label", "prune=me", "prunable");
        string output = await Daemon.DockerOkAsync("volume", "prune", "-a", "-f", "--filter", "label=prune=me");
        Assert.Contains("prunable", output);
        Assert.DoesNotContain("prunable", await Daemon.DockerOkAsync("volume", "ls", "-q"));
    }
}
