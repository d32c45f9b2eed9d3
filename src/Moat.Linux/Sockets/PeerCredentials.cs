using System.Buffers.Binary;
using System.Net.Sockets;

namespace Moat.Linux.Sockets;

/// <summary>The kernel's view of the process on the other end of a unix socket (struct ucred).</summary>
public readonly record struct PeerCredentials(int Pid, int Uid, int Gid)
{
    private const int SOL_SOCKET = 1;
    private const int SO_PEERCRED = 17;

    /// <summary>
    /// getsockopt(fd, SOL_SOCKET, SO_PEERCRED): the credentials the peer had when it called connect(2).
    /// They cannot be forged by the client and do not change afterwards.
    /// </summary>
    public static PeerCredentials Get(Socket socket)
    {
        if (socket.AddressFamily != AddressFamily.Unix)
            throw new ArgumentException("SO_PEERCRED needs a unix socket", nameof(socket));
        Span<byte> ucred = stackalloc byte[12];
        int n = socket.GetRawSocketOption(SOL_SOCKET, SO_PEERCRED, ucred);
        if (n < 12) throw new SocketException((int)SocketError.InvalidArgument);
        return new PeerCredentials(
            BinaryPrimitives.ReadInt32LittleEndian(ucred),
            (int)BinaryPrimitives.ReadUInt32LittleEndian(ucred[4..]),
            (int)BinaryPrimitives.ReadUInt32LittleEndian(ucred[8..]));
    }
}
