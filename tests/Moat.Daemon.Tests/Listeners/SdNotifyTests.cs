using System.Net.Sockets;
using System.Text;
using Moat.Daemon.Listeners;

namespace Moat.Daemon.Tests.Listeners;

public sealed class SdNotifyTests
{
    private static string Receive(Socket socket)
    {
        var buffer = new byte[1024];
        socket.ReceiveTimeout = 5000;
        int n = socket.Receive(buffer);
        return Encoding.UTF8.GetString(buffer, 0, n);
    }

    [Fact]
    public void Send_ToAbstractAddress_IsDelivered()
    {
        string name = $"moat-notify-test-{Guid.NewGuid():N}";
        using var listener = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint("\0" + name));

        var notify = new SdNotify("@" + name);
        notify.Ready();
        notify.Reloading();

        Assert.Equal("READY=1", Receive(listener));
        Assert.Matches("^RELOADING=1\nMONOTONIC_USEC=[0-9]+$", Receive(listener));
    }

    [Fact]
    public void Send_ToPath_IsDelivered()
    {
        string path = Path.Combine(Path.GetTempPath(), $"moat-notify-{Guid.NewGuid():N}.sock");
        using var listener = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(path));
        try
        {
            Assert.True(new SdNotify(path).Send("STOPPING=1"));
            Assert.Equal("STOPPING=1", Receive(listener));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Send_WithoutNotifySocket_IsNoop()
    {
        Assert.False(new SdNotify(null).Send("READY=1"));
        Assert.False(new SdNotify("/nonexistent/notify.sock").Send("READY=1"));
    }
}
