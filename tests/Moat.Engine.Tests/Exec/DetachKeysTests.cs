using System.Buffers;
using Moat.Engine.Exec;

namespace Moat.Engine.Tests.Exec;

public sealed class DetachKeysTests
{
    [Theory]
    [InlineData("ctrl-p,ctrl-q", new byte[] { 0x10, 0x11 })]
    [InlineData("ctrl-@", new byte[] { 0 })]
    [InlineData("ctrl-_", new byte[] { 31 })]
    [InlineData("ctrl-\\", new byte[] { 28 })]
    [InlineData("a,b,ctrl-a", new byte[] { (byte)'a', (byte)'b', 1 })]
    [InlineData("DEL", new byte[] { 127 })]
    public void TryParse_ValidSpec_GivesBytes(string spec, byte[] expected)
    {
        Assert.True(DetachKeys.TryParse(spec, out var keys));
        Assert.Equal(expected, keys);
    }

    [Theory]
    [InlineData("ctrl-P")]
    [InlineData("ctrl-")]
    [InlineData("ctrl-pp")]
    [InlineData("ab")]
    [InlineData("ctrl-p,")]
    [InlineData("")]
    [InlineData("del")]
    [InlineData(",")]
    public void TryParse_UnknownKey_Fails(string spec) => Assert.False(DetachKeys.TryParse(spec, out _));

    private static (string Passed, bool Detached) Run(byte[] keys, params string[] chunks)
    {
        var matcher = new DetachKeyMatcher(keys);
        var output = new ArrayBufferWriter<byte>();
        foreach (var c in chunks)
            if (matcher.Process(System.Text.Encoding.Latin1.GetBytes(c), output))
                return (System.Text.Encoding.Latin1.GetString(output.WrittenSpan), true);
        return (System.Text.Encoding.Latin1.GetString(output.WrittenSpan), false);
    }

    [Fact]
    public void Matcher_SequenceInOneChunk_DetachesAndDropsIt()
    {
        var (passed, detached) = Run(DetachKeys.Default, "ls\u0010\u0011after");
        Assert.True(detached);
        Assert.Equal("ls", passed);
    }

    [Fact]
    public void Matcher_SequenceSplitAcrossChunks_Detaches()
    {
        var (passed, detached) = Run(DetachKeys.Default, "ab\u0010", "\u0011");
        Assert.True(detached);
        Assert.Equal("ab", passed);
    }

    [Fact]
    public void Matcher_PartialThenOther_PassesHeldBytes()
    {
        var (passed, detached) = Run(DetachKeys.Default, "a\u0010", "b\u0010\u0010", "c");
        Assert.False(detached);
        Assert.Equal("a\u0010" + "b\u0010\u0010" + "c", passed);
    }

    [Fact]
    public void Matcher_RestartsAfterMismatch()
    {
        var (passed, detached) = Run(DetachKeys.Default, "\u0010\u0010\u0011");
        Assert.True(detached);
        Assert.Equal("\u0010", passed);
    }

    [Fact]
    public void Matcher_SingleKey_Detaches()
    {
        var (passed, detached) = Run([(byte)'q'], "abq");
        Assert.True(detached);
        Assert.Equal("ab", passed);
    }

    [Fact]
    public void Matcher_NoKeys_PassesEverything()
    {
        var (passed, detached) = Run([], "\u0010\u0011");
        Assert.False(detached);
        Assert.Equal("\u0010\u0011", passed);
    }
}
