using System.Buffers;
using System.Text;

namespace Moat.Security.Audit;

/// <summary>
/// The line format that makes the log tamper-evident: <c>{…entry…,"prev":"H(n-1)","hash":"H(n)"}</c> where
/// H(n) is the SHA-256 of the line's bytes before <c>,"hash":"</c>. Each entry commits to its predecessor,
/// so an edit, a removal or a swap breaks the chain at the first affected entry.
/// </summary>
public static class AuditChain
{
    public static readonly string Genesis = new('0', 64);
    internal static ReadOnlySpan<byte> HashMarker => ",\"hash\":\""u8;

    /// <summary>Turns the serialized entry (ending in '}') into the final line (with its newline) and returns its hash.</summary>
    public static string Seal(ReadOnlySpan<byte> entryJson, Stream destination)
    {
        var line = new ArrayBufferWriter<byte>(entryJson.Length + 80);
        line.Write(entryJson[..^1]); // without the closing brace
        Span<byte> hex = stackalloc byte[64];
        Seal(line, 0, hex);
        destination.Write(line.WrittenSpan);
        return Encoding.ASCII.GetString(hex);
    }

    /// <summary>
    /// Seals the line body that <paramref name="output"/> holds from <paramref name="lineStart"/> on (as
    /// <see cref="AuditLineWriter.WriteBody"/> leaves it, without the closing brace): appends
    /// <c>,"hash":"H"}</c> and the newline, and puts H's 64 hex digits in <paramref name="hashHex"/>.
    /// </summary>
    public static void Seal(ArrayBufferWriter<byte> output, int lineStart, Span<byte> hashHex)
    {
        Span<byte> digest = stackalloc byte[32];
        LineHash.Compute(output.WrittenSpan[lineStart..], digest);
        LowerHex(digest, hashHex);
        output.Write(HashMarker);
        output.Write(hashHex[..64]);
        output.Write("\"}\n"u8);
    }

    /// <summary>
    /// Lower-case hex of <paramref name="bytes"/>, by table. The AOT build targets baseline x64, where
    /// <see cref="Convert.TryToHexStringLower(ReadOnlySpan{byte}, Span{byte}, out int)"/>'s vector path runs its
    /// byte shuffles in software: that took 8 % of the audit writer.
    /// </summary>
    internal static void LowerHex(ReadOnlySpan<byte> bytes, Span<byte> hex)
    {
        ReadOnlySpan<byte> digits = "0123456789abcdef"u8;
        hex = hex[..(bytes.Length * 2)];
        for (int i = 0; i < bytes.Length; i++)
        {
            hex[2 * i] = digits[bytes[i] >> 4];
            hex[2 * i + 1] = digits[bytes[i] & 0xF];
        }
    }

    /// <summary>Splits a line into the hashed body and the hash it claims; false when the line has no hash suffix.</summary>
    public static bool TrySplit(ReadOnlySpan<byte> line, out ReadOnlySpan<byte> body, out string claimed)
    {
        body = default;
        claimed = "";
        if (line.Length < HashMarker.Length + 64 + 2 || !line.EndsWith("\"}"u8)) return false;
        int marker = line.Length - 2 - 64 - HashMarker.Length;
        if (!line[marker..].StartsWith(HashMarker)) return false;
        body = line[..marker];
        claimed = Encoding.ASCII.GetString(line.Slice(marker + HashMarker.Length, 64));
        return true;
    }

    public static string Hash(ReadOnlySpan<byte> body)
    {
        Span<byte> digest = stackalloc byte[32];
        LineHash.Compute(body, digest);
        Span<byte> hex = stackalloc byte[64];
        LowerHex(digest, hex);
        return Encoding.ASCII.GetString(hex);
    }
}
