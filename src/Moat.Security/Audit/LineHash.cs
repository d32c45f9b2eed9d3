using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace Moat.Security.Audit;

/// <summary>
/// SHA-256 of one audit line. Every API request writes a line, so the hash is on the daemon's hot path: through
/// OpenSSL's SHA256_Init/Update/Final it costs about half of what a call through EVP does (IncrementalHash,
/// SHA256.HashData), which clears the error queue, fetches the algorithm and frees its context on every line. The
/// digest is the same; where libcrypto's low-level functions are missing, <see cref="SHA256.HashData(ReadOnlySpan{byte}, Span{byte})"/> computes it.
/// </summary>
internal static unsafe class LineHash
{
    /// <summary>sizeof(SHA256_CTX) is 112 bytes; a little room to spare.</summary>
    private const int ContextBytes = 128;

    private static readonly delegate* unmanaged[SuppressGCTransition]<byte*, int> Init;
    private static readonly delegate* unmanaged[SuppressGCTransition]<byte*, byte*, nuint, int> Update;
    private static readonly delegate* unmanaged[SuppressGCTransition]<byte*, byte*, int> Final;

    static LineHash()
    {
        if (!OperatingSystem.IsLinux() || !NativeLibrary.TryLoad("libcrypto.so.3", out var crypto)) return;
        if (NativeLibrary.TryGetExport(crypto, "SHA256_Init", out var init)
            && NativeLibrary.TryGetExport(crypto, "SHA256_Update", out var update)
            && NativeLibrary.TryGetExport(crypto, "SHA256_Final", out var final))
        {
            Init = (delegate* unmanaged[SuppressGCTransition]<byte*, int>)init;
            Update = (delegate* unmanaged[SuppressGCTransition]<byte*, byte*, nuint, int>)update;
            Final = (delegate* unmanaged[SuppressGCTransition]<byte*, byte*, int>)final;
        }
    }

    /// <summary>True when the low-level functions were found (for tests).</summary>
    internal static bool Native => Init != null;

    public static void Compute(ReadOnlySpan<byte> data, Span<byte> digest)
    {
        if (digest.Length < 32) throw new ArgumentException("32 bytes needed", nameof(digest));
        if (Init == null)
        {
            SHA256.HashData(data, digest);
            return;
        }
        byte* context = stackalloc byte[ContextBytes];
        fixed (byte* input = data)
        fixed (byte* output = digest)
        {
            if (Init(context) != 1 || Update(context, input, (nuint)data.Length) != 1 || Final(output, context) != 1)
                throw new CryptographicException("SHA-256 failed");
        }
    }
}
