using Moat.Compat.Tests.Infrastructure;

namespace Moat.Compat.Tests.Configuration;

/// <summary>A full daemon.json that moatd starts with, driven by the real docker CLI.</summary>
public sealed class StartTests
{
    [Fact]
    public async Task Start_FullConfig_ServesDockerCliAndWritesPidfile()
    {
        await using var daemon = await MoatDaemon.StartAsync(config: """
            {
              "debug": true,
              "log-level": "info",
              "log-format": "text",
              "labels": ["env=test", "env=test"],
              "default-runtime": "runc",
              "live-restore": false,
              "no-new-privileges": true,
              "icc": true,
              "seccomp-profile": "builtin",
              "default-ulimits": {"nofile": {"Name": "nofile", "Hard": 64000, "Soft": 64000}},
              "log-driver": "json-file",
              "log-opts": {"max-size": "10m", "max-file": "3"},
              "insecure-registries": ["registry.local:5000"],
              "registry-mirrors": ["https://mirror.example.com"],
              "tls-min-version": "1.2",
              "features": {"buildkit": true}
            }
            """);

        var version = await daemon.DockerAsync("version", "--format", "{{.Server.Version}}");

        Assert.True(version.ExitCode == 0, version.ToString());
        Assert.Equal("28.2.2-moat", version.Stdout.Trim());
        Assert.Equal(daemon.Pid.ToString(), File.ReadAllText(daemon.PidFile).Trim());
        Assert.Contains("WARNING: \"features\" is ignored", daemon.Output);
    }

    [Fact]
    public async Task Start_HostsFromFile_ListensThere()
    {
        var dir = new TempDir("moatd");
        string socket = dir.Combine("docker.sock");
        await using var daemon = MoatDaemon.Launch(dir, $"{{\"hosts\": [\"unix://{socket}\"]}}", [], defaultHost: false);
        await daemon.WaitReadyAsync(TimeSpan.FromSeconds(20));

        var version = await daemon.DockerAsync("version", "--format", "{{.Server.APIVersion}}");

        Assert.True(version.ExitCode == 0, version.ToString());
        Assert.Equal(socket, daemon.SocketPath);
    }

    [Fact]
    public async Task Stop_RemovesPidfile()
    {
        var daemon = await MoatDaemon.StartAsync();
        string pidFile = daemon.PidFile;
        Assert.True(File.Exists(pidFile));

        daemon.Signal(15);
        int code = await daemon.WaitForExitAsync(TimeSpan.FromSeconds(20));

        Assert.Equal(0, code);
        Assert.False(File.Exists(pidFile));
        await daemon.DisposeAsync();
    }
}
