using Microsoft.Extensions.Logging;
using Moat.Daemon.Configuration;
using Moat.Daemon.Hosting.Logging;
using Moat.Daemon.Listeners;

namespace Moat.Daemon.Tests.Listeners;

public sealed class UnixSocketFactoryTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("moat-unix-").FullName;
    private readonly StringWriter _log = new();
    private readonly ILogger _logger;

    public UnixSocketFactoryTests()
    {
        _logger = new DaemonLoggerProvider(new LogLevelSwitch(LogLevel.Information), "text", _log).CreateLogger("Moat.Test");
    }

    private string GroupFile(string content)
    {
        string path = Path.Combine(_dir, "group");
        File.WriteAllText(path, content);
        return path;
    }

    [Fact]
    public void ResolveGroup_ByName_ReadsGroupFile()
    {
        Assert.Equal(4242u, UnixSocketFactory.ResolveGroup("docker", "/run/x.sock", _logger, GroupFile("root:x:0:\ndocker:x:4242:alice\n")));
    }

    [Fact]
    public void ResolveGroup_Numeric_IsTakenAsGid()
    {
        Assert.Equal(777u, UnixSocketFactory.ResolveGroup("777", "/run/x.sock", _logger, GroupFile("root:x:0:\n")));
    }

    [Fact]
    public void ResolveGroup_DefaultMissing_WarnsAndFallsBackToOurGid()
    {
        uint gid = UnixSocketFactory.ResolveGroup("docker", "/run/x.sock", _logger, GroupFile("root:x:0:\n"));

        Assert.Equal(Moat.Linux.Libc.getgid(), gid);
        Assert.Contains("level=warning msg=\"could not change group /run/x.sock to docker: group docker not found\"", _log.ToString());
    }

    [Fact]
    public void ResolveGroup_NonDefaultMissing_Refuses()
    {
        var e = Assert.Throws<ConfigurationException>(() => UnixSocketFactory.ResolveGroup("staff2", "/run/x.sock", _logger, GroupFile("root:x:0:\n")));
        Assert.EndsWith("group staff2 not found", e.Message);
    }

    [Fact]
    public void Create_BornWithMode0660_AndGroup()
    {
        string path = Path.Combine(_dir, "sub", "api.sock");
        using var socket = UnixSocketFactory.Create(path, 4321);

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.GroupWrite, File.GetUnixFileMode(path));
        Assert.True(socket.IsBound);
    }

    public void Dispose()
    {
        Directory.Delete(_dir, true);
    }
}
