using System.Net.Sockets;

namespace Moat.Daemon.Listeners;

/// <summary>A listening socket we hand to Kestrel. <see cref="UnixPath"/> is set when we created the file and remove it at exit.</summary>
public sealed record BoundListener(string Address, Socket Socket, bool Tls, string? UnixPath)
{
    /// <summary>"unix", "tcp" or "tls", as in <c>Caller.Transport</c>.</summary>
    public string Transport => Tls ? "tls" : Socket.AddressFamily == AddressFamily.Unix ? "unix" : "tcp";
}
