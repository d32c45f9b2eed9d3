using System.Buffers;
using System.Buffers.Binary;

namespace Moat.Api.Streaming;

/// <summary>
/// Turns the monitor's output (stdcopy frames without a TTY, raw bytes with one) into what the client asked for:
/// frames or raw bytes, stdout and/or stderr. Frames may be split anywhere across reads.
/// </summary>
public sealed class OutputFilter(bool monitorFramed, bool clientFramed, bool stdout, bool stderr)
{
    private readonly byte[] _header = new byte[8];
    private int _headerLength;
    private long _remaining;
    private bool _wanted;

    /// <summary>True when the monitor's bytes go to the client unchanged.</summary>
    public bool PassThrough => monitorFramed ? clientFramed && stdout && stderr : !clientFramed && stdout;

    public void Process(ReadOnlySpan<byte> data, IBufferWriter<byte> output)
    {
        if (!monitorFramed)
        {
            // A TTY's output is all "stdout".
            if (!stdout || data.IsEmpty) return;
            if (clientFramed) WriteHeader(output, 1, data.Length);
            output.Write(data);
            return;
        }
        while (!data.IsEmpty)
        {
            if (_remaining == 0)
            {
                int take = Math.Min(8 - _headerLength, data.Length);
                data[..take].CopyTo(_header.AsSpan(_headerLength));
                _headerLength += take;
                data = data[take..];
                if (_headerLength < 8) return;
                _headerLength = 0;
                int stream = _header[0];
                _remaining = BinaryPrimitives.ReadUInt32BigEndian(_header.AsSpan(4));
                _wanted = stream switch { 1 => stdout, 2 => stderr, _ => true };
                if (_wanted && clientFramed && _remaining > 0) output.Write(_header);
                continue;
            }
            int n = (int)Math.Min(_remaining, data.Length);
            if (_wanted) output.Write(data[..n]);
            _remaining -= n;
            data = data[n..];
        }
    }

    private static void WriteHeader(IBufferWriter<byte> output, byte stream, int length)
    {
        Span<byte> header = stackalloc byte[8];
        header.Clear();
        header[0] = stream;
        BinaryPrimitives.WriteUInt32BigEndian(header[4..], (uint)length);
        output.Write(header);
    }
}
