using System.Security.Cryptography;
using Moat.Security.Audit;

namespace Moat.Security.Tests.Audit;

public sealed class LineHashTests
{
    [Fact]
    public void Native_OnDebian_LowLevelFunctionsFound() =>
        // libcrypto.so.3 is on every machine .NET runs on here; without it the daemon silently pays twice per line.
        Assert.True(LineHash.Native);

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(55)]   // the longest input whose padding fits one block
    [InlineData(56)]
    [InlineData(64)]
    [InlineData(430)]  // a typical request line
    [InlineData(100_000)]
    public void Compute_SameDigestAsSha256(int length)
    {
        var data = new byte[length];
        new Random(length).NextBytes(data);
        Span<byte> digest = stackalloc byte[32];
        LineHash.Compute(data, digest);
        Assert.Equal(SHA256.HashData(data), digest.ToArray());
    }
}
