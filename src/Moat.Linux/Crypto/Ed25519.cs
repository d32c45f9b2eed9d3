using System.Security.Cryptography;

namespace Moat.Linux.Crypto;

/// <summary>Ed25519 (RFC 8032) through OpenSSL's libcrypto: keys are 32-byte seeds, public keys 32 bytes, signatures 64.</summary>
public static unsafe class Ed25519
{
    public const int SeedSize = 32;
    public const int PublicKeySize = 32;
    public const int SignatureSize = 64;

    public static byte[] PublicKeyFromSeed(ReadOnlySpan<byte> seed)
    {
        nint pkey = PrivateKey(seed);
        try
        {
            var pub = new byte[PublicKeySize];
            nuint len = PublicKeySize;
            fixed (byte* p = pub)
                if (LibCrypto.EVP_PKEY_get_raw_public_key(pkey, p, &len) != 1 || len != PublicKeySize)
                    throw new CryptographicException("EVP_PKEY_get_raw_public_key failed");
            return pub;
        }
        finally
        {
            LibCrypto.EVP_PKEY_free(pkey);
        }
    }

    public static byte[] Sign(ReadOnlySpan<byte> seed, ReadOnlySpan<byte> data)
    {
        nint pkey = PrivateKey(seed);
        nint ctx = LibCrypto.EVP_MD_CTX_new();
        try
        {
            if (ctx == 0) throw new CryptographicException("EVP_MD_CTX_new failed");
            if (LibCrypto.EVP_DigestSignInit(ctx, 0, 0, 0, pkey) != 1) throw new CryptographicException("EVP_DigestSignInit failed");
            var signature = new byte[SignatureSize];
            nuint len = SignatureSize;
            fixed (byte* s = signature)
            fixed (byte* d = data)
                if (LibCrypto.EVP_DigestSign(ctx, s, &len, d, (nuint)data.Length) != 1 || len != SignatureSize)
                    throw new CryptographicException("EVP_DigestSign failed");
            return signature;
        }
        finally
        {
            if (ctx != 0) LibCrypto.EVP_MD_CTX_free(ctx);
            LibCrypto.EVP_PKEY_free(pkey);
        }
    }

    public static bool Verify(ReadOnlySpan<byte> publicKey, ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature)
    {
        if (publicKey.Length != PublicKeySize || signature.Length != SignatureSize) return false;
        nint pkey;
        fixed (byte* p = publicKey)
            pkey = LibCrypto.EVP_PKEY_new_raw_public_key(LibCrypto.EVP_PKEY_ED25519, 0, p, PublicKeySize);
        if (pkey == 0) return false;
        nint ctx = LibCrypto.EVP_MD_CTX_new();
        try
        {
            if (ctx == 0 || LibCrypto.EVP_DigestVerifyInit(ctx, 0, 0, 0, pkey) != 1) return false;
            fixed (byte* s = signature)
            fixed (byte* d = data)
                return LibCrypto.EVP_DigestVerify(ctx, s, SignatureSize, d, (nuint)data.Length) == 1;
        }
        finally
        {
            if (ctx != 0) LibCrypto.EVP_MD_CTX_free(ctx);
            LibCrypto.EVP_PKEY_free(pkey);
        }
    }

    private static nint PrivateKey(ReadOnlySpan<byte> seed)
    {
        if (seed.Length != SeedSize) throw new CryptographicException($"an Ed25519 private key is {SeedSize} bytes");
        nint pkey;
        fixed (byte* s = seed)
            pkey = LibCrypto.EVP_PKEY_new_raw_private_key(LibCrypto.EVP_PKEY_ED25519, 0, s, SeedSize);
        if (pkey == 0) throw new CryptographicException("EVP_PKEY_new_raw_private_key failed");
        return pkey;
    }
}
