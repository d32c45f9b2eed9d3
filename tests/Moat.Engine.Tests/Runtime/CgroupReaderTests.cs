using Moat.Engine.Runtime;

namespace Moat.Engine.Tests.Runtime;

public sealed class CgroupReaderTests : IDisposable
{
    private readonly string _file = Path.GetTempFileName();

    public void Dispose() => File.Delete(_file);

    [Fact]
    public void Hybrid_UsesV1ControllersForStats()
    {
        File.WriteAllText(_file, """
            30 25 0:26 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
            31 30 0:27 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
            32 30 0:28 / /sys/fs/cgroup/cpu,cpuacct rw,relatime - cgroup cgroup rw,cpu,cpuacct
            33 30 0:29 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
            """);
        var reader = new CgroupReader(_file);
        Assert.False(reader.IsUnified);
        Assert.Equal("/sys/fs/cgroup/memory/moat/x", reader.Dir("memory", "/moat/x"));
        Assert.Equal("/sys/fs/cgroup/cpu,cpuacct/moat/x", reader.Dir("cpuacct", "/moat/x"));
        Assert.Null(reader.Dir("pids", "/moat/x"));
    }

    [Fact]
    public void Unified_UsesTheV2Hierarchy()
    {
        File.WriteAllText(_file, "30 25 0:26 / /sys/fs/cgroup rw,relatime - cgroup2 cgroup2 rw\n");
        var reader = new CgroupReader(_file);
        Assert.True(reader.IsUnified);
        Assert.Equal("/sys/fs/cgroup/moat/x", reader.Dir("memory", "/moat/x"));
    }

    [Fact]
    public void HostLimits_ParsesProcLimits()
    {
        File.WriteAllText(_file, """
            Limit                     Soft Limit           Hard Limit           Units     
            Max cpu time              unlimited            unlimited            seconds   
            Max open files            1024                 20000                files     
            """);
        var limits = HostLimits.Read(_file);
        Assert.Equal(20000UL, limits["nofile"]);
        Assert.Equal(ulong.MaxValue, limits["cpu"]);
    }

    [Fact]
    public void ProcessTable_ReadsThisProcess()
    {
        var me = ProcessTable.Read(Environment.ProcessId)!;
        Assert.Equal(Environment.ProcessId, me.Pid);
        Assert.True(me.RssBytes > 0);
        Assert.NotEmpty(me.Args);
        Assert.Null(ProcessTable.Read(int.MaxValue - 1));
    }
}
