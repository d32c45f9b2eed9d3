using Moat.Compat.Tests.Infrastructure;

namespace Moat.Compat.Tests.Transport;

public sealed class UnixSocketTests
{
    private const UnixFileMode Mode0660 = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.GroupWrite;

    [Fact]
    public async Task DockerVersion_OverUnixSocket_Works()
    {
        await using var daemon = await MoatDaemon.StartAsync();

        var result = await daemon.DockerAsync("version", "--format", "{{.Server.Version}}");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("28.2.2-moat", result.Stdout.Trim());
    }

    [Fact]
    public async Task Socket_IsMode0660_GroupDocker()
    {
        await using var daemon = await MoatDaemon.StartAsync();

        var stat = await ProcessRunner.RunAsync("stat", ["-c", "%F %a %U %G", daemon.SocketPath]);

        Assert.Equal("socket 660 root docker", stat.Stdout.Trim());
        Assert.Equal(Mode0660, File.GetUnixFileMode(daemon.SocketPath));
    }

    [Fact]
    public async Task Socket_NumericGroup_IsApplied()
    {
        await using var daemon = await MoatDaemon.StartAsync(args: ["--group", "12345"]);

        var stat = await ProcessRunner.RunAsync("stat", ["-c", "%a %u %g", daemon.SocketPath]);

        Assert.Equal("660 0 12345", stat.Stdout.Trim());
    }

    [Fact]
    public async Task Socket_MissingParentDirectory_IsCreated0755()
    {
        using var dir = new TempDir("moatd-parent");
        string socket = dir.Combine("run", "nested", "docker.sock");
        await using var daemon = await MoatDaemon.StartAsync(args: ["-H", "unix://" + socket]);

        var result = await DockerCli.RunAsync("unix://" + socket, ["version", "--format", "{{.Server.Os}}"]);

        Assert.True(result.ExitCode == 0, result.ToString());
        var mode = File.GetUnixFileMode(dir.Combine("run", "nested"));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead
            | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute, mode);
    }

    [Fact]
    public async Task StaleSocketFile_IsReplaced()
    {
        using var dir = new TempDir("moatd-stale");
        string socket = dir.Combine("docker.sock");
        File.WriteAllText(socket, "stale leftover");

        await using var daemon = await MoatDaemon.StartAsync(args: ["-H", "unix://" + socket]);
        var result = await DockerCli.RunAsync("unix://" + socket, ["version", "--format", "{{.Server.Version}}"]);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("socket", (await ProcessRunner.RunAsync("stat", ["-c", "%F", socket])).Stdout.Trim());
    }

    [Fact]
    public async Task MissingNonDefaultGroup_RefusesToStart()
    {
        using var dir = new TempDir("moatd-group");
        await using var daemon = MoatDaemon.Launch(dir, null, ["--group", "moat-no-such-group"]);

        int code = await daemon.WaitForExitAsync(TimeSpan.FromSeconds(20));

        Assert.Equal(1, code);
        Assert.Contains("group moat-no-such-group not found", daemon.Output);
        Assert.False(File.Exists(daemon.SocketPath));
        Assert.False(File.Exists(daemon.PidFile));
    }

    [Fact]
    public async Task PidFileOfRunningProcess_RefusesToStart()
    {
        await using var first = await MoatDaemon.StartAsync();
        using var dir = new TempDir("moatd-second");

        await using var second = MoatDaemon.Launch(dir, null, ["--pidfile", first.PidFile]);
        int code = await second.WaitForExitAsync(TimeSpan.FromSeconds(20));

        Assert.Equal(1, code);
        Assert.Contains($"failed to start daemon, ensure docker is not running or delete {first.PidFile}: process with PID {first.Pid} is still running", second.Output);
        Assert.Equal(first.Pid.ToString(), File.ReadAllText(first.PidFile).Trim());
    }

    [Fact]
    public async Task PidFileOfDeadProcess_IsOverwritten()
    {
        using var dir = new TempDir("moatd-deadpid");
        Directory.CreateDirectory(dir.Path);
        // A pid far above the default pid_max of small machines, and not ours.
        File.WriteAllText(dir.Combine("moatd.pid"), "4194000");

        var daemon = MoatDaemon.Launch(dir, null, null);
        await using (daemon)
        {
            await daemon.WaitReadyAsync(TimeSpan.FromSeconds(20));
            Assert.Equal(daemon.Pid.ToString(), File.ReadAllText(daemon.PidFile).Trim());
        }
    }

    [Fact]
    public async Task Sigterm_ShutsDownCleanly_RemovesSocketAndPidFile()
    {
        await using var daemon = await MoatDaemon.StartAsync();
        Assert.Equal(daemon.Pid.ToString(), File.ReadAllText(daemon.PidFile).Trim());

        daemon.Signal(15);
        int code = await daemon.WaitForExitAsync(TimeSpan.FromSeconds(20));

        Assert.Equal(0, code);
        Assert.False(File.Exists(daemon.SocketPath), "socket file left behind");
        Assert.False(File.Exists(daemon.PidFile), "pidfile left behind");
        Assert.Contains("Processing signal 'terminated'", daemon.Output);
    }

    [Fact]
    public async Task LogFormatJson_WritesJsonLines()
    {
        await using var daemon = await MoatDaemon.StartAsync(args: ["--log-format", "json"]);
        await daemon.DockerAsync("version");

        var line = daemon.Output.Split('\n').First(l => l.Contains("API listen on"));

        using var doc = System.Text.Json.JsonDocument.Parse(line);
        Assert.Equal("info", doc.RootElement.GetProperty("level").GetString());
        Assert.Equal("API listen on " + daemon.SocketPath, doc.RootElement.GetProperty("msg").GetString());
        Assert.True(DateTimeOffset.TryParse(doc.RootElement.GetProperty("time").GetString(), out _));
    }

    [Fact]
    public async Task LogFormatText_IsLogrusStyle()
    {
        await using var daemon = await MoatDaemon.StartAsync();

        Assert.Matches("""time="[0-9T:.\-]+Z" level=info msg="API listen on /[^"]+docker.sock"$""",
            daemon.Output.Split('\n').First(l => l.Contains("API listen on")).TrimEnd('\r'));
    }
}
