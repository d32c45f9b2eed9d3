using System.Security.Cryptography;
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

    /// <summary>Turns the serialized entry (ending in '}') into the final line (without newline) and returns its hash.</summary>
    public static string Seal(ReadOnlySpan<byte> entryJson, Stream destination)
    {
        using var hasher = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        return Seal(entryJson, destination, hasher);
    }

    /// <summary><see cref="Seal(ReadOnlySpan{byte}, Stream)"/> with a reusable SHA-256 <paramref name="hasher"/> (one writer at a time).</summary>
    public static string Seal(ReadOnlySpan<byte> entryJson, Stream destination, IncrementalHash hasher)
    {
        var body = entryJson[..^1]; // drop the closing brace
        Span<byte> digest = stackalloc byte[32];
        hasher.AppendData(body);
        hasher.GetHashAndReset(digest);
        Span<byte> hex = stackalloc byte[64];
        for (int i = 0; i < 32; i++)
        {
            hex[2 * i] = (byte)"0123456789abcdef"[digest[i] >> 4];
            hex[2 * i + 1] = (byte)"0123456789abcdef"[digest[i] & 0xF];
        }
        destination.Write(body);
        destination.Write(HashMarker);
        destination.Write(hex);
        destination.Write("\"}\n"u8);
        return Encoding.ASCII.GetString(hex);
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

    public static string Hash(ReadOnlySpan<byte> body) => Convert.ToHexStringLower(SHA256.HashData(body));
}
