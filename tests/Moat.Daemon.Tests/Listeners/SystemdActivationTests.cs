using Moat.Daemon.Configuration;
using Moat.Daemon.Listeners;

namespace Moat.Daemon.Tests.Listeners;

public sealed class SystemdActivationTests
{
    [Fact]
    public void Select_NoFds_ExplainsSystemd()
    {
        var e = Assert.Throws<ConfigurationException>(() => SystemdActivation.Select([], null));
        Assert.EndsWith("no sockets found via socket activation: make sure the service was started by systemd", e.Message);
    }

    [Fact]
    public void Select_FdBeyondPassed_IsTooFew()
    {
        var e = Assert.Throws<ConfigurationException>(() => SystemdActivation.Select([3], 7));
        Assert.EndsWith("too few socket activated files passed in by systemd", e.Message);
    }

    [Fact]
    public void TakeListenFds_OtherPid_IsIgnored_AndVariablesCleared()
    {
        Environment.SetEnvironmentVariable("LISTEN_PID", "1");
        Environment.SetEnvironmentVariable("LISTEN_FDS", "2");

        Assert.Empty(SystemdActivation.TakeListenFds());
        Assert.Null(Environment.GetEnvironmentVariable("LISTEN_FDS"));
        Assert.Null(Environment.GetEnvironmentVariable("LISTEN_PID"));
    }
}
