using System.Buffers.Binary;
using Moat.Engine.Containers.Logs;

namespace Moat.Api.Containers;

/// <summary>stdcopy framing: [stream, 0, 0, 0, size uint32 BE] + payload for non-TTY streams; raw bytes for TTY.</summary>
public static class StreamFraming
{
    public const string Multiplexed = "application/vnd.docker.multiplexed-stream";
    public const string Raw = "application/vnd.docker.raw-stream";

    public static void Append(MemoryStream buffer, LogStream stream, ReadOnlySpan<byte> payload, bool framed)
    {
        if (payload.IsEmpty) return;
        if (framed)
        {
            Span<byte> header = stackalloc byte[8];
            header.Clear();
            header[0] = (byte)stream;
            BinaryPrimitives.WriteUInt32BigEndian(header[4..], (uint)payload.Length);
            buffer.Write(header);
        }
        buffer.Write(payload);
    }
}
