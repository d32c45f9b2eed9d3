using Moat.Daemon.Configuration;
using Moat.Daemon.Hosting;

namespace Moat.Daemon.Tests.Hosting;

public sealed class SettingsHolderTests
{
    [Fact]
    public void Apply_TakesReloadableKeysOnly()
    {
        var holder = new SettingsHolder(new DaemonSettings { Hosts = ["unix:///a.sock"], Debug = false, Group = "docker" });
        DaemonSettings? seenOld = null, seenNew = null;
        holder.Changed += (o, n) => { seenOld = o; seenNew = n; };

        var now = holder.Apply(new DaemonSettings { Hosts = ["tcp://0.0.0.0:2375"], Debug = true, Group = "wheel", Labels = ["a=b"], LiveRestore = true });

        Assert.True(now.Debug);
        Assert.True(now.LiveRestore);
        Assert.Equal(["a=b"], now.Labels);
        Assert.Equal(["unix:///a.sock"], now.Hosts);
        Assert.Equal("docker", now.Group);
        Assert.Same(now, holder.Current);
        Assert.False(seenOld!.Debug);
        Assert.Same(now, seenNew);
    }
}
