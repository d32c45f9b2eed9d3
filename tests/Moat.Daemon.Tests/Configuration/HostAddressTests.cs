using Moat.Daemon.Configuration;

namespace Moat.Daemon.Tests.Configuration;

public sealed class HostAddressTests
{
    [Theory]
    [InlineData("", "unix:///var/run/docker.sock")]
    [InlineData("  ", "unix:///var/run/docker.sock")]
    [InlineData("fd://", "fd://")]
    [InlineData("fd://3", "fd://3")]
    [InlineData("fd://*", "fd://*")]
    [InlineData("tcp://host:", "tcp://host:2375")]
    [InlineData("tcp://", "tcp://localhost:2375")]
    [InlineData("tcp://:", "tcp://localhost:2375")]
    [InlineData("tcp://:5555", "tcp://localhost:5555")]
    [InlineData("tcp://[::1]", "tcp://[::1]:2375")]
    [InlineData("tcp://[::1]:", "tcp://[::1]:2375")]
    [InlineData("tcp://[::1]:5555", "tcp://[::1]:5555")]
    [InlineData("tcp://0.0.0.0:5555", "tcp://0.0.0.0:5555")]
    [InlineData("tcp://192.168:5555", "tcp://192.168:5555")]
    [InlineData("tcp://docker.com:5555", "tcp://docker.com:5555")]
    [InlineData(" tcp://127.0.0.1:2376 ", "tcp://127.0.0.1:2376")]
    [InlineData("unix://", "unix:///var/run/docker.sock")]
    [InlineData("unix:///run/docker.sock", "unix:///run/docker.sock")]
    [InlineData("unix://path/to/socket", "unix://path/to/socket")]
    [InlineData(":", "tcp://localhost:2375")]
    [InlineData(":5555", "tcp://localhost:5555")]
    [InlineData("0.0.0.1:", "tcp://0.0.0.1:2375")]
    [InlineData("0.0.0.1:5555", "tcp://0.0.0.1:5555")]
    [InlineData("[::1]", "tcp://[::1]:2375")]
    [InlineData("[0:0:0:0:0:0:0:1]:5555", "tcp://[0:0:0:0:0:0:0:1]:5555")]
    [InlineData("localhost", "tcp://localhost:2375")]
    [InlineData("localhost:", "tcp://localhost:2375")]
    [InlineData("localhost:5555", "tcp://localhost:5555")]
    [InlineData("tcp://0.0.0.0", "tcp://0.0.0.0:2375")]
    [InlineData("example.com:4000", "tcp://example.com:4000")]
    public void Parse_ValidAddress_Normalizes(string value, string expected)
    {
        Assert.Equal(expected, HostAddress.Parse(value).Normalized);
    }

    [Theory]
    [InlineData("something with spaces", "invalid bind address (something with spaces): parse \"tcp://something with spaces\": invalid character \" \" in host name")]
    [InlineData("://", "invalid bind address (://): unsupported proto ''")]
    [InlineData("unknown://", "invalid bind address (unknown://): unsupported proto 'unknown'")]
    [InlineData("tcp://:port", "invalid bind address (tcp://:port): parse \"tcp://:port\": invalid port \":port\" after host")]
    [InlineData("tcp://invalid:port", "invalid bind address (tcp://invalid:port): parse \"tcp://invalid:port\": invalid port \":port\" after host")]
    [InlineData("tcp://:5555/", "invalid bind address (tcp://:5555/): should not contain a path element")]
    [InlineData("tcp://0.0.0.0:5555/p", "invalid bind address (tcp://0.0.0.0:5555/p): should not contain a path element")]
    [InlineData("tcp://[::1]:/", "invalid bind address (tcp://[::1]:/): should not contain a path element")]
    [InlineData(" tcp://:5555/path ", "invalid bind address (tcp://:5555/path): should not contain a path element")]
    [InlineData("tcp:a.b.c.d", "invalid bind address (tcp:a.b.c.d): parse \"tcp://tcp:a.b.c.d\": invalid port \":a.b.c.d\" after host")]
    [InlineData("tcp://127.0.0.1/", "invalid bind address (tcp://127.0.0.1/): should not contain a path element")]
    [InlineData("udp://127.0.0.1:5555", "invalid bind address (udp://127.0.0.1:5555): unsupported proto 'udp'")]
    [InlineData("tcp://unix:///run/docker.sock", "invalid bind address (tcp://unix:///run/docker.sock): should not contain a path element")]
    [InlineData(":5555/path", "invalid bind address (:5555/path): should not contain a path element")]
    [InlineData("localhost:5555/path", "invalid bind address (localhost:5555/path): should not contain a path element")]
    [InlineData("unix://tcp://127.0.0.1", "invalid bind address (unix://tcp://127.0.0.1): invalid unix address: tcp://127.0.0.1")]
    [InlineData("unix://unix://tcp://127.0.0.1", "invalid bind address (unix://unix://tcp://127.0.0.1): invalid unix address: unix://tcp://127.0.0.1")]
    [InlineData("tcp://0.0.0.0:0", "invalid bind address (tcp://0.0.0.0:0): invalid port: 0")]
    [InlineData("tcp://0.0.0.0:70000", "invalid bind address (tcp://0.0.0.0:70000): invalid port: 70000")]
    [InlineData("npipe://", "invalid bind address (npipe://): unsupported proto 'npipe'")]
    [InlineData("fd://x", "invalid bind address (fd://x): failed to parse systemd fd address: should be a number: x")]
    [InlineData("TCP://1.2.3.4:1", "invalid bind address (TCP://1.2.3.4:1): unsupported proto 'TCP'")]
    public void Parse_InvalidAddress_ThrowsDockerdText(string value, string expected)
    {
        var e = Assert.Throws<ConfigurationException>(() => HostAddress.Parse(value));
        Assert.Equal(expected, e.Message);
    }

    [Fact]
    public void Parse_EmptyWithTls_DefaultsToTlsPortOnLocalhost()
    {
        var h = HostAddress.Parse("", defaultToTls: true);

        Assert.Equal("tcp://localhost:2376", h.Normalized);
        Assert.Equal(HostAddressKind.Tcp, h.Kind);
        Assert.Equal(2376, h.Port);
    }

    [Fact]
    public void Parse_TcpWithoutPortUnderTls_Keeps2375()
    {
        Assert.Equal("tcp://localhost:2375", HostAddress.Parse("tcp://", defaultToTls: true).Normalized);
        Assert.Equal(2375, HostAddress.Parse("tcp://10.0.0.1", defaultToTls: true).Port);
    }

    [Fact]
    public void Parse_Tcp_ExposesHostAndPort()
    {
        var h = HostAddress.Parse("tcp://[::1]:2376");

        Assert.Equal(HostAddressKind.Tcp, h.Kind);
        Assert.Equal("::1", h.Host);
        Assert.Equal(2376, h.Port);
        Assert.Null(h.Path);
    }

    [Fact]
    public void Parse_Unix_ExposesPath()
    {
        var h = HostAddress.Parse("unix:///run/moat.sock");

        Assert.Equal(HostAddressKind.Unix, h.Kind);
        Assert.Equal("/run/moat.sock", h.Path);
    }

    [Theory]
    [InlineData("fd://", null)]
    [InlineData("fd://*", null)]
    [InlineData("fd://3", 3)]
    public void Parse_Fd_ExposesNumber(string value, int? expected)
    {
        var h = HostAddress.Parse(value);

        Assert.Equal(HostAddressKind.Fd, h.Kind);
        Assert.Equal(expected, h.FdNumber);
    }
}
