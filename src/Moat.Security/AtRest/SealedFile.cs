using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Moat.Linux;

namespace Moat.Security.AtRest;

/// <summary>
/// The sealed-file format: AES-256-GCM under the master key, with a header that says which key and what for.
/// <code>
/// "MOATSEAL" | version (1 byte, = 1) | key id (8 bytes) | purpose length (1 byte) | purpose (UTF-8)
///            | nonce (12 bytes) | ciphertext | tag (16 bytes)
/// </code>
/// The whole header is the associated data, so a file cannot be moved to another purpose (another volume's key,
/// another container's state) or claim another key id without the tag failing. A fresh random nonce per seal.
/// </summary>
public static class SealedFile
{
    public const byte Version = 1;
    public const string Extension = ".sealed";
    public const int MaxSize = 16 * 1024 * 1024;
    private static readonly byte[] Magic = "MOATSEAL"u8.ToArray();
    private const int KeyIdSize = 8, NonceSize = 12, TagSize = 16;

    /// <summary>What a sealed file's header says (readable without the key).</summary>
    public readonly record struct Header(byte Version, string KeyId, string Purpose, int Length);

    public static byte[] Seal(MasterKey key, string purpose, ReadOnlySpan<byte> plaintext)
    {
        byte[] purposeBytes = Encoding.UTF8.GetBytes(purpose);
        if (purposeBytes.Length is 0 or > 255) throw new ArgumentException("purpose must be 1 to 255 bytes", nameof(purpose));
        int headerLength = Magic.Length + 1 + KeyIdSize + 1 + purposeBytes.Length;
        byte[] output = new byte[headerLength + NonceSize + plaintext.Length + TagSize];
        var span = output.AsSpan();
        Magic.CopyTo(span);
        span[Magic.Length] = Version;
        Convert.FromHexString(key.Id).CopyTo(span[(Magic.Length + 1)..]);
        span[Magic.Length + 1 + KeyIdSize] = (byte)purposeBytes.Length;
        purposeBytes.CopyTo(span[(Magic.Length + 2 + KeyIdSize)..]);
        var nonce = span.Slice(headerLength, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var gcm = new AesGcm(key.Bytes, TagSize);
        gcm.Encrypt(nonce, plaintext, span.Slice(headerLength + NonceSize, plaintext.Length), span[^TagSize..], span[..headerLength]);
        return output;
    }

    /// <summary>Parses the header; throws <see cref="AtRestException"/> when the bytes are not a sealed file of a known version.</summary>
    public static Header ReadHeader(ReadOnlySpan<byte> sealedBytes)
    {
        if (sealedBytes.Length < Magic.Length + 2 + KeyIdSize || !sealedBytes.StartsWith(Magic))
            throw new AtRestException("not a sealed file");
        byte version = sealedBytes[Magic.Length];
        if (version != Version) throw new AtRestException($"sealed file version {version} is not supported (this moatd reads version {Version})");
        string keyId = Convert.ToHexStringLower(sealedBytes.Slice(Magic.Length + 1, KeyIdSize));
        int purposeLength = sealedBytes[Magic.Length + 1 + KeyIdSize];
        int headerLength = Magic.Length + 2 + KeyIdSize + purposeLength;
        if (sealedBytes.Length < headerLength + NonceSize + TagSize) throw new AtRestException("sealed file is truncated");
        string purpose = Encoding.UTF8.GetString(sealedBytes.Slice(Magic.Length + 2 + KeyIdSize, purposeLength));
        return new Header(version, keyId, purpose, headerLength);
    }

    /// <summary>Decrypts and authenticates; <paramref name="expectedPurpose"/> null accepts any purpose (key rotation).</summary>
    /// <exception cref="AtRestException">Another key, another purpose, or the content was altered.</exception>
    public static byte[] Open(MasterKey key, ReadOnlySpan<byte> sealedBytes, string? expectedPurpose)
    {
        var header = ReadHeader(sealedBytes);
        if (header.KeyId != key.Id)
            throw new AtRestException($"sealed with master key {header.KeyId}, but the configured master key is {key.Id}");
        if (expectedPurpose is not null && header.Purpose != expectedPurpose)
            throw new AtRestException($"sealed file is for \"{header.Purpose}\", not \"{expectedPurpose}\"");
        var nonce = sealedBytes.Slice(header.Length, NonceSize);
        var ciphertext = sealedBytes[(header.Length + NonceSize)..^TagSize];
        byte[] plaintext = new byte[ciphertext.Length];
        using var gcm = new AesGcm(key.Bytes, TagSize);
        try
        {
            gcm.Decrypt(nonce, ciphertext, sealedBytes[^TagSize..], plaintext, sealedBytes[..header.Length]);
        }
        catch (AuthenticationTagMismatchException e)
        {
            throw new AtRestException($"sealed file for \"{header.Purpose}\" failed authentication: it was altered or damaged", e);
        }
        return plaintext;
    }

    public static byte[] ReadFile(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.None);
        if (stream.Length > MaxSize) throw new AtRestException($"sealed file {path} is larger than {MaxSize} bytes");
        byte[] bytes = new byte[stream.Length];
        stream.ReadExactly(bytes);
        return bytes;
    }

    public static byte[] OpenFile(MasterKey key, string path, string expectedPurpose)
    {
        try { return Open(key, ReadFile(path), expectedPurpose); }
        catch (AtRestException e) { throw new AtRestException($"{path}: {e.Message}", e); }
    }

    /// <summary>Seals and writes atomically (0600 temp file, fsync, rename, fsync of the directory).</summary>
    public static void WriteFile(MasterKey key, string path, string purpose, ReadOnlySpan<byte> plaintext) =>
        WriteAtomic(path, Seal(key, purpose, plaintext));

    public static void WriteAtomic(string path, ReadOnlySpan<byte> content)
    {
        string dir = Path.GetDirectoryName(Path.GetFullPath(path))!;
        string temp = Path.Combine(dir, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temp, new FileStreamOptions
            {
                Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None,
                UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
            }))
            {
                stream.Write(content);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, path, overwrite: true);
            Files.FsyncDirectory(dir);
        }
        catch
        {
            try { File.Delete(temp); } catch (IOException) { }
            throw;
        }
    }

    /// <summary>
    /// Crypto-erase of one file: overwrite its bytes with random data, fsync, unlink, fsync the directory. On a
    /// copy-on-write or journaling file system the old blocks may survive; destroying the wrapped key is what makes the
    /// data unreadable, this makes recovering it from the same disk harder.
    /// </summary>
    public static void Destroy(string path)
    {
        if (Files.LStat(path) is not { IsRegular: true } stat) return;
        using (var stream = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.None, 1, FileOptions.None))
        {
            byte[] noise = RandomNumberGenerator.GetBytes((int)Math.Min(stat.Size, 1 << 20));
            for (long written = 0; written < stat.Size; written += noise.Length)
                stream.Write(noise, 0, (int)Math.Min(noise.Length, stat.Size - written));
            stream.Flush(flushToDisk: true);
        }
        File.Delete(path);
        Files.FsyncDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
    }
}
