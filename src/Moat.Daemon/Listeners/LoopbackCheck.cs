using System.Net;
using System.Net.Sockets;

namespace Moat.Daemon.Listeners;

/// <summary>dockerd's test for "only this machine can reach it": literal `localhost`, or every address is loopback.</summary>
public static class LoopbackCheck
{
    public static bool IsLoopbackHost(string host)
    {
        if (string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase)) return true;
        if (IPAddress.TryParse(host, out var ip)) return IPAddress.IsLoopback(ip);
        try
        {
            var addresses = Dns.GetHostAddresses(host);
            return addresses.Length > 0 && addresses.All(IPAddress.IsLoopback);
        }
        catch (SocketException)
        {
            return false;
        }
    }

    public static bool IsLoopback(EndPoint? endPoint) => endPoint is IPEndPoint ip && IPAddress.IsLoopback(ip.Address);
}
