using Moat.Engine.Storage;

namespace Moat.Engine.Tests.Storage;

public sealed class MountInfoTests
{
    [Fact]
    public void TryParse_OptionalFieldsAndEscapes_FieldsAfterTheSeparator()
    {
        Assert.True(MountInfo.TryParse(
            @"36 35 98:0 /mnt\040dir /data/my\040disk rw,noatime master:1 shared:7 - ext3 /dev/root rw,errors=continue", out var m));
        Assert.Equal(new MountInfoEntry("/mnt dir", "/data/my disk", "ext3", "rw,errors=continue"), m);
    }

    [Fact]
    public void TryParse_TabNewlineBackslash_Unescaped()
    {
        Assert.True(MountInfo.TryParse(@"1 2 0:1 / /a\011b\012c\134d rw - tmpfs tmpfs rw", out var m));
        Assert.Equal("/a\tb\nc\\d", m.MountPoint);
    }

    [Theory]
    [InlineData("")]
    [InlineData("36 35 98:0 / /data rw")]
    [InlineData("36 35 - ext3 /dev/root rw")]
    public void TryParse_NotAMountLine_False(string line) => Assert.False(MountInfo.TryParse(line, out _));

    [Fact]
    public void Parse_CgroupHierarchies_TypesAndSuperOptions()
    {
        var entries = MountInfo.Parse("""
            30 25 0:26 / /sys/fs/cgroup ro - tmpfs tmpfs ro,mode=755
            31 30 0:27 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct
            32 30 0:28 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw,nsdelegate
            """).ToList();
        Assert.Equal(["tmpfs", "cgroup", "cgroup2"], entries.Select(e => e.FsType));
        Assert.Equal("rw,cpu,cpuacct", entries[1].SuperOptions);
    }
}
