using System.Net.Sockets;
using System.Text;

namespace Moat.Daemon.Listeners;

/// <summary>sd_notify(3): one datagram to $NOTIFY_SOCKET (a path, or an abstract name written with a leading '@').</summary>
public sealed class SdNotify
{
    private readonly string? _address;

    public SdNotify(string? address)
    {
        _address = string.IsNullOrEmpty(address) ? null : address;
    }

    public static SdNotify FromEnvironment() => new(Environment.GetEnvironmentVariable("NOTIFY_SOCKET"));

    public bool Enabled => _address is not null;

    public void Ready() => Send("READY=1");
    public void Stopping() => Send("STOPPING=1");

    public void Reloading()
    {
        long usec = (long)(System.Diagnostics.Stopwatch.GetTimestamp() / (double)System.Diagnostics.Stopwatch.Frequency * 1_000_000);
        Send($"RELOADING=1\nMONOTONIC_USEC={usec}");
    }

    /// <summary>Best effort, as sd_notify: a missing listener must never stop the daemon.</summary>
    public bool Send(string state)
    {
        if (_address is null) return false;
        string path = _address[0] == '@' ? "\0" + _address[1..] : _address;
        try
        {
            using var socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
            socket.SendTo(Encoding.UTF8.GetBytes(state), new UnixDomainSocketEndPoint(path));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
