using Moat.Engine.Runtime;

namespace Moat.Engine.Tests.Runtime;

public sealed class StatsParsingTests
{
    [Fact]
    public void NetworkCounters_Parse_SkipsLoopbackAndHeaders()
    {
        const string netDev = """
            Inter-|   Receive                                                |  Transmit
             face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
                lo:     840      10    0    0    0     0          0         0      840      10    0    0    0     0       0          0
              eth0: 1500000    1200    1    2    0     0          0         0   250000     900    3    4    0     0       0          0
            """;
        var eth0 = Assert.Single(NetworkCounters.Parse(netDev));
        Assert.Equal(new NetworkCounters("eth0", 1500000, 1200, 1, 2, 250000, 900, 3, 4), eth0);
    }

    [Fact]
    public void NetworkCounters_ForHostNamespace_IsEmpty() =>
        Assert.Empty(NetworkCounters.ReadForProcess(Environment.ProcessId));

    [Fact]
    public void CgroupPaths_FromRuncState()
    {
        string file = Path.GetTempFileName();
        try
        {
            File.WriteAllText(file, """{"id":"x","cgroup_paths":{"":"/sys/fs/cgroup/unified/moat/x","memory":"/sys/fs/cgroup/memory/moat/x"}}""");
            Assert.Equal(["/sys/fs/cgroup/unified/moat/x", "/sys/fs/cgroup/memory/moat/x"], CliOciRuntime.CgroupPaths(file));
            File.WriteAllText(file, """{"id":"x","cgroup_paths":{"memory":"/etc/passwd"}}""");
            Assert.Null(CliOciRuntime.CgroupPaths(file));
            File.WriteAllText(file, """{"id":"x"}""");
            Assert.Null(CliOciRuntime.CgroupPaths(file));
        }
        finally { File.Delete(file); }
    }
}
