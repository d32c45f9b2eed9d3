using System.Text.Json;
using Moat.Compat.Tests.Containers;
using Moat.Compat.Tests.Infrastructure;

namespace Moat.Compat.Tests.Volumes;

/// <summary>docker volume commands and named/anonymous volumes in containers.</summary>
public sealed class VolumeTests(BusyboxDaemonFixture fixture) : IClassFixture<BusyboxDaemonFixture>
{
    private MoatDaemon Daemon => fixture.Daemon;

    private async Task<string> OkAsync(params string[] args)
    {
        var r = await Daemon.DockerAsync(args);
        Assert.True(r.ExitCode == 0, $"docker {string.Join(' ', args)}: {r}");
        return r.Stdout.Trim();
    }

    [Fact]
    public async Task Volume_CreateListInspectRemove()
    {
        Assert.Equal("data1", await OkAsync("volume", "create", "--label", "team=a", "data1"));
        using (var doc = JsonDocument.Parse(await OkAsync("volume", "inspect", "data1")))
        {
            var v = doc.RootElement[0];
            Assert.Equal("local", v.GetProperty("Driver").GetString());
            Assert.Equal("a", v.GetProperty("Labels").GetProperty("team").GetString());
            Assert.True(Directory.Exists(v.GetProperty("Mountpoint").GetString()));
        }
        Assert.Contains("data1", await OkAsync("volume", "ls", "-q", "--filter", "label=team=a"));
        Assert.DoesNotContain("data1", await OkAsync("volume", "ls", "-q", "--filter", "label=team=b"));
        await OkAsync("volume", "rm", "data1");
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
        await OkAsync("run", "--name", "writer", "-v", "keep:/data", "busybox", "sh", "-c", "echo persisted > /data/f");
        var inUse = await Daemon.DockerAsync("volume", "rm", "keep");
        Assert.NotEqual(0, inUse.ExitCode);
        Assert.Contains("volume is in use", inUse.Stderr);
        await OkAsync("rm", "-v", "writer");
        Assert.Equal("persisted", await OkAsync("run", "--rm", "-v", "keep:/data", "busybox", "cat", "/data/f"));
        await OkAsync("volume", "rm", "keep");
    }

    [Fact]
    public async Task NamedVolume_CopiedFromImageOnFirstUse()
    {
        string passwd = await OkAsync("run", "--rm", "-v", "etccopy:/etc", "busybox", "cat", "/etc/passwd");
        Assert.Contains("root:x:0:0", passwd);
        await OkAsync("volume", "rm", "etccopy");
    }

    [Fact]
    public async Task AnonymousVolume_RemovedWithRmV()
    {
        await OkAsync("run", "--name", "anon", "--mount", "type=volume,target=/scratch", "busybox", "touch", "/scratch/x");
        string name = await OkAsync("inspect", "-f", "{{range .Mounts}}{{.Name}}{{end}}", "anon");
        Assert.Equal(64, name.Length);
        Assert.Contains(name, await OkAsync("volume", "ls", "-q"));
        await OkAsync("rm", "-v", "anon");
        Assert.DoesNotContain(name, await OkAsync("volume", "ls", "-q"));
    }

    [Fact]
    public async Task VolumePrune_RemovesUnused()
    {
        await OkAsync("volume", "create", "--label", "prune=me", "prunable");
        string output = await OkAsync("volume", "prune", "-a", "-f", "--filter", "label=prune=me");
        Assert.Contains("prunable", output);
        Assert.DoesNotContain("prunable", await OkAsync("volume", "ls", "-q"));
    }
}
