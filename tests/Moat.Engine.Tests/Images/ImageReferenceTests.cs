using Moat.Engine.Images;

namespace Moat.Engine.Tests.Images;

public sealed class ImageReferenceTests
{
    [Theory]
    [InlineData("busybox", "docker.io/library/busybox", "busybox")]
    [InlineData("busybox:1.36", "docker.io/library/busybox:1.36", "busybox:1.36")]
    [InlineData("library/busybox", "docker.io/library/busybox", "busybox")]
    [InlineData("index.docker.io/library/busybox", "docker.io/library/busybox", "busybox")]
    [InlineData("alice/app:v1", "docker.io/alice/app:v1", "alice/app:v1")]
    [InlineData("localhost/app", "localhost/app", "localhost/app")]
    [InlineData("localhost:5000/a/b:c", "localhost:5000/a/b:c", "localhost:5000/a/b:c")]
    [InlineData("ghcr.io/org/x", "ghcr.io/org/x", "ghcr.io/org/x")]
    [InlineData("docker.io/library/a/b", "docker.io/library/a/b", "library/a/b")]
    [InlineData("a__b-c/e.f", "docker.io/a__b-c/e.f", "a__b-c/e.f")]
    [InlineData("busybox@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "docker.io/library/busybox@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "busybox@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")]
    public void ParseNormalized_Valid_NormalizesLikeDockerd(string input, string full, string familiar)
    {
        var r = ImageReference.ParseNormalized(input);

        Assert.Equal(full, r.ToString());
        Assert.Equal(familiar, r.FamiliarString);
    }

    [Theory]
    [InlineData("Busybox", "invalid reference format: repository name (library/Busybox) must be lowercase")]
    [InlineData("alice/App", "invalid reference format: repository name (alice/App) must be lowercase")]
    [InlineData("busybox:", "invalid reference format")]
    [InlineData("a//b", "invalid reference format")]
    [InlineData("-a", "invalid reference format")]
    [InlineData("a:b:c", "invalid reference format")]
    [InlineData("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "invalid repository name (0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef), cannot specify 64-byte hexadecimal strings")]
    public void ParseNormalized_Invalid_DockerdMessage(string input, string message)
    {
        var e = Assert.Throws<InvalidReferenceException>(() => ImageReference.ParseNormalized(input));

        Assert.Equal(message, e.Message);
    }

    [Fact]
    public void ParseNormalized_TagTooLong_IsInvalid()
    {
        Assert.Throws<InvalidReferenceException>(() => ImageReference.ParseNormalized("a:" + new string('t', 129)));
        Assert.Equal(new string('t', 128), ImageReference.ParseNormalized("a:" + new string('t', 128)).Tag);
    }

    [Fact]
    public void ParseAny_HexId_IsDigestReference()
    {
        string hex = new('a', 64);

        Assert.Equal("sha256:" + hex, ImageReference.ParseAny(hex).Digest);
        Assert.True(ImageReference.ParseAny("sha256:" + hex).IsDigestOnly);
        Assert.False(ImageReference.ParseAny("abc123").IsDigestOnly);
    }

    [Fact]
    public void NotFound_NamedReference_ShowsLatest()
    {
        Assert.Equal("No such image: nope:latest", ImageNotFoundException.For(ImageReference.ParseAny("nope")).Message);
        Assert.Equal("No such image: a/b:1", ImageNotFoundException.For(ImageReference.ParseAny("docker.io/a/b:1")).Message);
    }
}
