using System.Runtime.InteropServices;

namespace Moat.Linux.Crypto;

/// <summary>The few OpenSSL 3 libcrypto calls .NET does not wrap: Ed25519 (EVP_PKEY_ED25519) signing and verification.</summary>
internal static unsafe partial class LibCrypto
{
    private const string Library = "libcrypto.so.3";

    /// <summary>NID_ED25519.</summary>
    public const int EVP_PKEY_ED25519 = 1087;

    [LibraryImport(Library)]
    public static partial nint EVP_PKEY_new_raw_private_key(int type, nint engine, byte* priv, nuint len);

    [LibraryImport(Library)]
    public static partial nint EVP_PKEY_new_raw_public_key(int type, nint engine, byte* pub, nuint len);

    [LibraryImport(Library)]
    public static partial int EVP_PKEY_get_raw_public_key(nint pkey, byte* pub, nuint* len);

    [LibraryImport(Library)]
    public static partial void EVP_PKEY_free(nint pkey);

    [LibraryImport(Library)]
    public static partial nint EVP_MD_CTX_new();

    [LibraryImport(Library)]
    public static partial void EVP_MD_CTX_free(nint ctx);

    [LibraryImport(Library)]
    public static partial int EVP_DigestSignInit(nint ctx, nint pctx, nint type, nint engine, nint pkey);

    [LibraryImport(Library)]
    public static partial int EVP_DigestSign(nint ctx, byte* sigret, nuint* siglen, byte* tbs, nuint tbslen);

    [LibraryImport(Library)]
    public static partial int EVP_DigestVerifyInit(nint ctx, nint pctx, nint type, nint engine, nint pkey);

    [LibraryImport(Library)]
    public static partial int EVP_DigestVerify(nint ctx, byte* sig, nuint siglen, byte* tbs, nuint tbslen);
}
