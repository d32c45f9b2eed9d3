using System.Formats.Tar;
using System.Text;
using System.Text.Json;
using Moat.Compat.Tests.Containers;
using Moat.Compat.Tests.Infrastructure;

namespace Moat.Compat.Tests.Archive;

/// <summary>docker cp in both directions, on running and stopped containers, with volumes, binds and read-only places.</summary>
public sealed class CopyTests(BusyboxDaemonFixture fixture) : IClassFixture<BusyboxDaemonFixture>
{
    private static readonly DateTime OldTime = new(2020, 1, 2, 3, 4, 5, DateTimeKind.Utc);

    private MoatDaemon Daemon => fixture.Daemon;


    private static string MakeSource(TempDir dir)
    {
        string src = dir.Combine("src");
        Directory.CreateDirectory(Path.Combine(src, "sub"));
        File.WriteAllText(Path.Combine(src, "file.txt"), "hello from the host\n");
        File.SetUnixFileMode(Path.Combine(src, "file.txt"), (UnixFileMode)0x1a0); // 0640
        File.SetLastWriteTimeUtc(Path.Combine(src, "file.txt"), OldTime);
        File.WriteAllText(Path.Combine(src, "sub", "nested.sh"), "#!/bin/sh\necho nested\n");
        File.SetUnixFileMode(Path.Combine(src, "sub", "nested.sh"), (UnixFileMode)0x1ed); // 0755
        return src;
    }

    private static void AssertSameFile(string expected, string actual)
    {
        Assert.Equal(File.ReadAllText(expected), File.ReadAllText(actual));
        Assert.Equal(File.GetUnixFileMode(expected), File.GetUnixFileMode(actual));
        // As dockerd and the CLI (go-archive's FileInfoHeader), tar times are whole seconds.
        var time = File.GetLastWriteTimeUtc(expected);
        Assert.Equal(time.AddTicks(-(time.Ticks % TimeSpan.TicksPerSecond)), File.GetLastWriteTimeUtc(actual));
    }

    [Fact]
    public async Task Cp_RunningContainer_BothWays_KeepsContentModeAndTime()
    {
        using var dir = new TempDir("moat-cp-");
        string src = MakeSource(dir);
        // The container waits for /tmp/go, then shows what it sees: the copy must be visible inside the running container.
        await Daemon.DockerOkAsync("run", "-d", "--name", "cprun", "busybox", "sh", "-c",
            "while [ ! -f /tmp/go ]; do sleep 0.1; done; cat /tmp/file.txt /copied/sub/nested.sh; ls -l /tmp/file.txt");
        await Daemon.DockerOkAsync("cp", Path.Combine(src, "file.txt"), "cprun:/tmp/");
        await Daemon.DockerOkAsync("cp", src, "cprun:/copied");
        File.WriteAllText(dir.Combine("go"), "");
        await Daemon.DockerOkAsync("cp", dir.Combine("go"), "cprun:/tmp/go");
        Assert.Equal("0", await Daemon.DockerOkAsync("wait", "cprun"));
        string logs = await Daemon.DockerOkAsync("logs", "cprun");
        Assert.Contains("hello from the host", logs);
        Assert.Contains("echo nested", logs);
        Assert.Contains("-rw-r-----", logs);

        string back = dir.Combine("back");
        Directory.CreateDirectory(back);
        await Daemon.DockerOkAsync("cp", "cprun:/tmp/file.txt", back);
        AssertSameFile(Path.Combine(src, "file.txt"), Path.Combine(back, "file.txt"));
        await Daemon.DockerOkAsync("cp", "cprun:/copied", Path.Combine(back, "copied"));
        AssertSameFile(Path.Combine(src, "sub", "nested.sh"), Path.Combine(back, "copied", "sub", "nested.sh"));
        // Trailing "/.": the directory's content, not the directory.
        Directory.CreateDirectory(Path.Combine(back, "contents"));
        await Daemon.DockerOkAsync("cp", "cprun:/copied/.", Path.Combine(back, "contents"));
        Assert.True(File.Exists(Path.Combine(back, "contents", "file.txt")));
        await Daemon.DockerOkAsync("rm", "-f", "cprun");
    }

    [Fact]
    public async Task Cp_StoppedContainer_BothWays()
    {
        using var dir = new TempDir("moat-cp-");
        File.WriteAllText(dir.Combine("hello.txt"), "hello stopped\n");
        await Daemon.DockerOkAsync("create", "--name", "cpstop", "busybox", "cat", "/hello.txt");
        await Daemon.DockerOkAsync("cp", dir.Combine("hello.txt"), "cpstop:/hello.txt");
        var run = await Daemon.DockerAsync("start", "-a", "cpstop");
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal("hello stopped", run.Stdout.Trim());
        // Exited now: copy out of it.
        await Daemon.DockerOkAsync("cp", "cpstop:/etc/passwd", dir.Combine("passwd"));
        Assert.Contains("root:x:0:0", File.ReadAllText(dir.Combine("passwd")));
        await Daemon.DockerOkAsync("rm", "cpstop");
    }

    [Fact]
    public async Task Cp_StoppedContainerWithoutMountedRootfs_MountsItAgain()
    {
        using var dir = new TempDir("moat-cp-");
        string id = await Daemon.DockerOkAsync("create", "--name", "cpunmounted", "busybox", "true");
        string rootfs = Path.Combine(Daemon.DataRoot, "containers", id, "bundle", "rootfs");
        // A created container is not mounted until it starts (or something reads it); unmount it in case.
        var umount = await ProcessRunner.RunAsync("umount", [rootfs]);
        Assert.True(umount.ExitCode == 0 || umount.Stderr.Contains("not mounted"), umount.ToString());
        Assert.Empty(Directory.EnumerateFileSystemEntries(rootfs)); // as after a reboot
        await Daemon.DockerOkAsync("cp", "cpunmounted:/etc/passwd", dir.Combine("passwd"));
        Assert.Contains("root:x:0:0", File.ReadAllText(dir.Combine("passwd")));
        Assert.Equal(0, (await ProcessRunner.RunAsync("umount", [rootfs])).ExitCode);
        await Daemon.DockerOkAsync("export", "-o", dir.Combine("export.tar"), "cpunmounted");
        var tar = await ProcessRunner.RunAsync("tar", ["-tf", dir.Combine("export.tar")]);
        Assert.Contains(tar.Stdout.Split('\n'), n => n.TrimStart('.', '/') == "etc/passwd");
        await Daemon.DockerOkAsync("rm", "cpunmounted");
    }

    [Fact]
    public async Task Cp_MissingPath_IsDockerdsError()
    {
        using var dir = new TempDir("moat-cp-");
        await Daemon.DockerOkAsync("create", "--name", "cpmiss", "busybox", "true");
        var r = await Daemon.DockerAsync("cp", "cpmiss:/nonexistent", dir.Path);
        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains("Could not find the file /nonexistent in container cpmiss", r.Stderr);
        var head = await ArchiveHttp.GetAsync(Daemon, "cpmiss", "/nonexistent");
        Assert.Equal(404, head.Status);
        Assert.Contains("Could not find the file /nonexistent in container cpmiss", Encoding.UTF8.GetString(head.Body));
        var noPath = await ArchiveHttp.GetAsync(Daemon, "cpmiss", "");
        Assert.Equal(400, noPath.Status);
        Assert.Contains("Path cannot be empty", Encoding.UTF8.GetString(noPath.Body));
        // "file/" names a directory: neither direction treats it as the file.
        File.WriteAllText(dir.Combine("f"), "overwritten?");
        Assert.NotEqual(0, (await Daemon.DockerAsync("cp", dir.Combine("f"), "cpmiss:/etc/passwd/")).ExitCode);
        Assert.Contains("root:x:0:0", (await Daemon.DockerAsync("cp", "cpmiss:/etc/passwd", "-")).Stdout);
        Assert.NotEqual(0, (await Daemon.DockerAsync("cp", "cpmiss:/etc/passwd/", dir.Combine("out"))).ExitCode);
        Assert.False(File.Exists(dir.Combine("out")));
        var noContainer = await Daemon.DockerAsync("cp", "nosuchcontainer:/etc/passwd", dir.Path);
        Assert.Contains("No such container: nosuchcontainer", noContainer.Stderr);
        await Daemon.DockerOkAsync("rm", "cpmiss");
    }

    [Fact]
    public async Task Head_StatHeader_IsGoShaped()
    {
        await Daemon.DockerOkAsync("create", "--name", "cpstat", "busybox", "true");
        var r = await ArchiveHttp.GetAsync(Daemon, "cpstat", "/etc", "HEAD");
        Assert.Equal(200, r.Status);
        using var doc = JsonDocument.Parse(Convert.FromBase64String(r.Stat!));
        Assert.Equal("etc", doc.RootElement.GetProperty("name").GetString());
        Assert.Equal(0x80000000u, doc.RootElement.GetProperty("mode").GetUInt32() & 0x80000000u); // os.ModeDir
        Assert.Equal("", doc.RootElement.GetProperty("linkTarget").GetString());
        await Daemon.DockerOkAsync("rm", "cpstat");
    }

    [Fact]
    public async Task Cp_ReadOnlyRootfsAndReadOnlyBind_AreRefused()
    {
        using var dir = new TempDir("moat-cp-");
        File.WriteAllText(dir.Combine("f"), "x");
        string bind = dir.Combine("bind");
        Directory.CreateDirectory(bind);
        await Daemon.DockerOkAsync("create", "--name", "cpro", "--read-only", "-v", bind + ":/mnt:ro", "-v", "cpvol:/data", "busybox", "true");
        var rootfs = await Daemon.DockerAsync("cp", dir.Combine("f"), "cpro:/tmp/");
        Assert.NotEqual(0, rootfs.ExitCode);
        Assert.Contains("container rootfs is marked read-only", rootfs.Stderr);
        var ro = await Daemon.DockerAsync("cp", dir.Combine("f"), "cpro:/mnt/");
        Assert.NotEqual(0, ro.ExitCode);
        Assert.Contains("mounted volume is marked read-only", ro.Stderr);
        Assert.Empty(Directory.EnumerateFileSystemEntries(bind));
        // A writable volume of a read-only container takes the copy, and it lands in the volume.
        await Daemon.DockerOkAsync("cp", dir.Combine("f"), "cpro:/data/from-host");
        Assert.Equal("x", await Daemon.DockerOkAsync("run", "--rm", "-v", "cpvol:/v", "busybox", "cat", "/v/from-host"));
        await Daemon.DockerOkAsync("rm", "-v", "cpro");
        await Daemon.DockerOkAsync("volume", "rm", "cpvol");
    }

    [Fact]
    public async Task Cp_BindMount_ReadsAndWritesTheHostSource()
    {
        using var dir = new TempDir("moat-cp-");
        string bind = dir.Combine("bind");
        Directory.CreateDirectory(bind);
        File.WriteAllText(Path.Combine(bind, "existing"), "on the host\n");
        File.WriteAllText(dir.Combine("new"), "copied in\n");
        await Daemon.DockerOkAsync("create", "--name", "cpbind", "-v", bind + ":/mnt", "busybox", "true");
        await Daemon.DockerOkAsync("cp", dir.Combine("new"), "cpbind:/mnt/new");
        Assert.Equal("copied in\n", File.ReadAllText(Path.Combine(bind, "new")));
        await Daemon.DockerOkAsync("cp", "cpbind:/mnt/existing", dir.Combine("out"));
        Assert.Equal("on the host\n", File.ReadAllText(dir.Combine("out")));
        await Daemon.DockerOkAsync("rm", "cpbind");
    }

    [Fact]
    public async Task Cp_Archive_KeepsOrSetsOwnership()
    {
        using var dir = new TempDir("moat-cp-");
        string f = dir.Combine("owned");
        File.WriteAllText(f, "x");
        Assert.Equal(0, (await ProcessRunner.RunAsync("chown", ["1234:2345", f])).ExitCode);
        await Daemon.DockerOkAsync("create", "--name", "cpown", "busybox", "true");
        await Daemon.DockerOkAsync("cp", "-a", f, "cpown:/owned");
        Assert.Equal((1234, 2345), await OwnerInContainerAsync("cpown", "/owned"));
        await Daemon.DockerOkAsync("create", "--name", "cpuser", "--user", "4321:4322", "busybox", "true");
        await Daemon.DockerOkAsync("cp", "-a", f, "cpuser:/owned");
        Assert.Equal((4321, 4322), await OwnerInContainerAsync("cpuser", "/owned"));
        await Daemon.DockerOkAsync("rm", "cpown", "cpuser");
    }

    private async Task<(int, int)> OwnerInContainerAsync(string container, string path)
    {
        var r = await ArchiveHttp.GetAsync(Daemon, container, path);
        Assert.Equal(200, r.Status);
        using var reader = new TarReader(new MemoryStream(r.Body));
        var entry = reader.GetNextEntry()!;
        return (entry.Uid, entry.Gid);
    }

    [Fact]
    public async Task Cp_LargeFile_IsNotCutByTheRequestLimit()
    {
        using var dir = new TempDir("moat-cp-");
        string big = dir.Combine("big");
        var chunk = new byte[1 << 20];
        new Random(7).NextBytes(chunk);
        using (var f = File.Create(big))
            for (int i = 0; i < 40; i++) f.Write(chunk); // 40 MiB, over Kestrel's default 30 MB body limit
        await Daemon.DockerOkAsync("create", "--name", "cpbig", "busybox", "true");
        await Daemon.DockerOkAsync("cp", big, "cpbig:/big");
        var head = await ArchiveHttp.GetAsync(Daemon, "cpbig", "/big", "HEAD");
        using var doc = JsonDocument.Parse(Convert.FromBase64String(head.Stat!));
        Assert.Equal(40L << 20, doc.RootElement.GetProperty("size").GetInt64());
        await Daemon.DockerOkAsync("rm", "cpbig");
    }

    [Fact]
    public async Task Export_IsATarOfTheRootfs()
    {
        using var dir = new TempDir("moat-cp-");
        await Daemon.DockerOkAsync("create", "--name", "cpexport", "busybox", "true");
        await Daemon.DockerOkAsync("export", "-o", dir.Combine("export.tar"), "cpexport");
        var tar = await ProcessRunner.RunAsync("tar", ["-tf", dir.Combine("export.tar")]);
        Assert.True(tar.ExitCode == 0, tar.ToString());
        Assert.Contains(tar.Stdout.Split('\n'), n => n.TrimStart('.', '/') == "bin/sh");
        Assert.Contains(tar.Stdout.Split('\n'), n => n.TrimStart('.', '/') == "etc/passwd");
        await Daemon.DockerOkAsync("rm", "cpexport");
    }
}
