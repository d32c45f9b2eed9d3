using Moat.Daemon.Configuration;
using Moat.Daemon.Hosting;

namespace Moat.Daemon.Tests.Hosting;

public sealed class PidFileTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("moat-pid-").FullName;

    [Fact]
    public void Create_WritesOurPid_DisposeRemovesIt()
    {
        string path = Path.Combine(_dir, "run", "moatd.pid");
        using (var pid = PidFile.Create(path))
            Assert.Equal(Environment.ProcessId.ToString(), File.ReadAllText(path));
        Assert.False(File.Exists(path));
    }

    [Fact]
    public void Create_LiveProcess_RefusesWithDockerdsText()
    {
        string path = Path.Combine(_dir, "moatd.pid");
        File.WriteAllText(path, "1\n");

        var e = Assert.Throws<ConfigurationException>(() => PidFile.Create(path));

        Assert.Equal($"failed to start daemon, ensure docker is not running or delete {path}: process with PID 1 is still running", e.Message);
        Assert.Equal("1\n", File.ReadAllText(path));
    }

    [Fact]
    public void Create_GarbageOrDeadPid_IsOverwritten()
    {
        string path = Path.Combine(_dir, "moatd.pid");
        File.WriteAllText(path, "not a pid");
        using (PidFile.Create(path)) Assert.Equal(Environment.ProcessId.ToString(), File.ReadAllText(path));
    }

    [Fact]
    public void Dispose_DoesNotRemoveSomeoneElsesPidFile()
    {
        string path = Path.Combine(_dir, "moatd.pid");
        var pid = PidFile.Create(path);
        File.WriteAllText(path, "1");
        pid.Dispose();
        Assert.True(File.Exists(path));
    }

    public void Dispose() => Directory.Delete(_dir, true);
}
