using Moat.Security.Policy;

namespace Moat.Security.Tests.Policy;

public sealed class ImageReferenceTests
{
    [Theory]
    [InlineData("busybox", "docker.io/library/busybox:latest")]
    [InlineData("busybox:1.36", "docker.io/library/busybox:1.36")]
    [InlineData("user/app", "docker.io/user/app:latest")]
    [InlineData("localhost:5000/app", "localhost:5000/app:latest")]
    [InlineData("registry.example.com/a/b:2", "registry.example.com/a/b:2")]
    [InlineData("index.docker.io/library/busybox", "docker.io/library/busybox:latest")]
    [InlineData("busybox@sha256:abcd", "docker.io/library/busybox@sha256:abcd")]
    public void Normalize_FamiliarNames_BecomeFullReferences(string input, string expected)
    {
        Assert.Equal(expected, ImageReference.Normalize(input));
    }
}
