using Moat.Daemon.Configuration;
using Moat.Daemon.Listeners;

namespace Moat.Daemon.Tests.Listeners;

public sealed class ListenAddressTests
{
    [Theory]
    [InlineData("unix:///run/moat.sock", "unix:///run/moat.sock")]
    [InlineData("unix://", "unix:///var/run/docker.sock")]
    [InlineData("tcp://127.0.0.1:2376", "tcp://127.0.0.1:2376")]
    [InlineData("tcp://", "tcp://localhost:2375")]
    [InlineData("tcp://0.0.0.0", "tcp://0.0.0.0:2375")]
    [InlineData(":4000", "tcp://localhost:4000")]
    [InlineData("example.com:4000", "tcp://example.com:4000")]
    [InlineData("tcp://[::1]:2375", "tcp://[::1]:2375")]
    [InlineData("tcp://127.0.0.1:2375/", "tcp://127.0.0.1:2375")]
    [InlineData("fd://", "fd://")]
    [InlineData("fd://*", "fd://")]
    [InlineData("fd://3", "fd://3")]
    public void Parse_Normalizes_AsDockerd(string input, string expected)
    {
        Assert.Equal(expected, ListenAddress.Parse(input).ToString());
    }

    [Fact]
    public void Parse_Empty_WithTls_IsLocalhost2376()
    {
        Assert.Equal("tcp://localhost:2376", ListenAddress.Parse("", tls: true).ToString());
        Assert.Equal("unix:///var/run/docker.sock", ListenAddress.Parse("", tls: false).ToString());
    }

    [Fact]
    public void Parse_TcpWithoutPort_UnderTls_StillGets2375()
    {
        Assert.Equal(2375, ListenAddress.Parse("tcp://10.0.0.1", tls: true).Port);
    }

    [Theory]
    [InlineData("tcp://127.0.0.1:2375/path", "invalid bind address (tcp://127.0.0.1:2375/path): should not contain a path element")]
    [InlineData("udp://1.2.3.4:5", "invalid bind address (udp://1.2.3.4:5): unsupported proto 'udp'")]
    [InlineData("tcp://127.0.0.1:port", "invalid port: port")]
    [InlineData("tcp://127.0.0.1:70000", "invalid port: 70000")]
    [InlineData("fd://x", "failed to parse systemd fd address: should be a number: x")]
    public void Parse_Invalid_ThrowsDockerdsText(string input, string message)
    {
        var e = Assert.Throws<ConfigurationException>(() => ListenAddress.Parse(input));
        Assert.Equal(message, e.Message);
    }
}
