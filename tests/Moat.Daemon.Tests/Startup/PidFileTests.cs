using Moat.Daemon.Configuration;
using Moat.Daemon.Startup;

namespace Moat.Daemon.Tests.Startup;

public sealed class PidFileTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("moat-pid-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Create_WritesPidAndRemovesItOnDispose()
    {
        string path = Path.Combine(_dir, "sub", "moatd.pid");

        using (PidFile.Create(path, Environment.ProcessId))
        {
            Assert.Equal(Environment.ProcessId.ToString(), File.ReadAllText(path));
        }

        Assert.False(File.Exists(path));
    }

    [Fact]
    public void Create_StalePid_Overwritten()
    {
        string path = Path.Combine(_dir, "moatd.pid");
        File.WriteAllText(path, "999999999");

        using var pid = PidFile.Create(path, Environment.ProcessId);

        Assert.Equal(Environment.ProcessId.ToString(), File.ReadAllText(path));
    }

    [Fact]
    public void Create_LivePid_RefusedWithDockerdText()
    {
        string path = Path.Combine(_dir, "moatd.pid");
        File.WriteAllText(path, "1\n");

        var e = Assert.Throws<ConfigurationException>(() => PidFile.Create(path, Environment.ProcessId));

        Assert.Equal($"failed to start daemon, ensure docker is not running or delete {path}: process with PID 1 is still running", e.Message);
    }

    [Fact]
    public void Dispose_PidFileNowNamesAnotherProcess_LeftAlone()
    {
        string path = Path.Combine(_dir, "moatd.pid");
        var pid = PidFile.Create(path, Environment.ProcessId);
        File.WriteAllText(path, "1");

        pid.Dispose();

        Assert.Equal("1", File.ReadAllText(path));
    }
}
