using System.Text;
using System.Text.Json;
using Moat.Engine.Containers.Archive;
using Moat.Linux.FileSystem;

namespace Moat.Engine.Tests.Containers.Archive;

public sealed class PathStatTests
{
    [Theory]
    [InlineData(0x41ed, 0x800001edu)]          // drwxr-xr-x → ModeDir|0755
    [InlineData(0x81a4, 0x1a4u)]               // -rw-r--r--
    [InlineData(0xa1ff, 0x080001ffu)]          // lrwxrwxrwx → ModeSymlink|0777
    [InlineData(0x89ed, 0x008001edu)]          // setuid 0755 file → ModeSetuid|0755
    [InlineData(0x43ff, 0x801001ffu)]          // sticky dir 1777 (/tmp) → ModeDir|ModeSticky|0777
    [InlineData(0x21b6, 0x042001b6u)]          // char device 0666 → ModeDevice|ModeCharDevice|0666
    [InlineData(0x61b0, 0x040001b0u)]          // block device 0660 → ModeDevice
    [InlineData(0x11a4, 0x020001a4u)]          // fifo → ModeNamedPipe
    [InlineData(0xc1ed, 0x010001edu)]          // socket → ModeSocket
    [InlineData(0x85ed, 0x004001edu)]          // setgid → ModeSetgid
    public void GoFileMode_MatchesGoOsFileMode(int stMode, uint expected) =>
        Assert.Equal(expected, PathStat.GoFileMode((uint)stMode));

    [Fact]
    public void ToHeader_IsStandardBase64OfGoShapedJson()
    {
        var stat = new PathStat("hostname", 13, 0x1a4, new DateTimeOffset(2026, 11, 29, 19, 20, 1, TimeSpan.Zero).AddTicks(1234500), "");
        string json = Encoding.UTF8.GetString(Convert.FromBase64String(stat.ToHeader()));
        Assert.Equal("{\"name\":\"hostname\",\"size\":13,\"mode\":420,\"mtime\":\"2026-11-29T19:20:01.12345Z\",\"linkTarget\":\"\"}", json);
        using var doc = JsonDocument.Parse(json);
        Assert.Equal(420u, doc.RootElement.GetProperty("mode").GetUInt32());
    }

    [Fact]
    public void ToHeader_DirectoryModeIsUnsigned32Bit()
    {
        var stat = new PathStat("etc", 4096, PathStat.GoFileMode(0x41ed), DateTimeOffset.UnixEpoch, "");
        Assert.Contains("\"mode\":2147484141", stat.ToJson());
        Assert.Contains("\"mtime\":\"1970-01-01T00:00:00Z\"", stat.ToJson());
    }

    [Theory]
    [InlineData("/etc/hostname", "/etc/hostname", "hostname")]
    [InlineData("etc/hostname", "/etc/hostname", "hostname")]
    [InlineData("/etc/", "/etc/", "etc")]
    [InlineData("/etc/.", "/etc/.", ".")]
    [InlineData("/etc//./", "/etc/./", ".")]
    [InlineData("/", "/", "/")]
    [InlineData("/.", "/.", ".")]
    [InlineData("/a/../b", "/b", "b")]
    [InlineData("/../../etc", "/etc", "etc")]
    public void AbsolutePath_PreservesTrailingDotOrSeparator(string path, string absolute, string name)
    {
        Assert.Equal(absolute, PathStat.AbsolutePath(path));
        Assert.Equal(name, PathStat.GoBase(PathStat.AbsolutePath(path)));
    }

    [Fact]
    public void From_TakesSizeModeAndTimeFromStat()
    {
        var time = new DateTimeOffset(2024, 1, 2, 3, 4, 5, TimeSpan.Zero);
        var entry = new EntryStat(0x81ed, 0, 0, 42, time, time, 0, 0, 1, 7, 0, 0);
        var stat = PathStat.From("x", entry, "");
        Assert.Equal(42, stat.Size);
        Assert.Equal(0x1edu, stat.Mode);
        Assert.Equal(time, stat.Mtime);
        Assert.False(stat.IsDirectory);
    }
}
