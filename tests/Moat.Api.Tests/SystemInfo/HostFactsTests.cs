using Moat.Api.SystemInfo;

namespace Moat.Api.Tests.SystemInfo;

public sealed class HostFactsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("moat-hostfacts-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Write(string name, string text)
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public void OperatingSystem_FromOsRelease_PrettyNameAndVersionId()
    {
        string path = Write("os-release", "NAME=\"Debian GNU/Linux\"\nPRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\n# comment\nVERSION_ID='12'\n");

        Assert.Equal(("Debian GNU/Linux 12 (bookworm)", "12"), HostFacts.OperatingSystem(path));
    }

    [Fact]
    public void OperatingSystem_ThisHost_IsReported()
    {
        var (os, _) = HostFacts.OperatingSystem();

        Assert.False(string.IsNullOrWhiteSpace(os));
        Assert.DoesNotContain("\"", os);
    }

    [Fact]
    public void MemTotal_ReadsKilobytesAsBytes()
    {
        string path = Write("meminfo", "MemTotal:        8030868 kB\nMemFree:          123 kB\n");

        Assert.Equal(8030868L * 1024, HostFacts.MemTotal(path));
        Assert.True(HostFacts.MemTotal() > 0);
    }

    [Theory]
    [InlineData("31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw\n32 31 0:29 / /sys/fs/cgroup/cpu rw - cgroup cgroup rw,cpu\n40 31 0:35 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw\n", "hybrid")]
    [InlineData("31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw\n32 31 0:29 / /sys/fs/cgroup/cpu rw - cgroup cgroup rw,cpu\n", "legacy")]
    [InlineData("31 23 0:28 / /sys/fs/cgroup rw,nosuid shared:9 - cgroup2 cgroup2 rw,nsdelegate\n", "unified")]
    [InlineData("22 1 0:20 / /proc rw - proc proc rw\n", "none")]
    public void CgroupMode_FromMountInfo(string mountInfo, string expected)
    {
        Assert.Equal(expected, HostFacts.CgroupMode(Write("mountinfo", mountInfo)));
    }

    [Fact]
    public void ProcessFacts_AreReadFromProc()
    {
        Assert.True(HostFacts.OpenFileDescriptors() > 2);
        Assert.True(HostFacts.Threads() >= 1);
        Assert.Equal(File.ReadAllText("/proc/sys/kernel/osrelease").Trim(), HostFacts.KernelVersion());
        Assert.Equal("x86_64", HostFacts.Architecture());
    }
}
