using System.Security.Cryptography;
using System.Text;
using Moat.Linux;

namespace Moat.Security.AtRest;

/// <summary>
/// The 256-bit master key that wraps every volume key and seals daemon state. Its file holds 64 hex digits and a
/// newline, is owned by root and readable by nobody else (0400); <see cref="Id"/> names it in every sealed file
/// without revealing it.
/// </summary>
public sealed class MasterKey : IDisposable
{
    public const int Size = 32;
    private const int MaxFileSize = 1024;
    private readonly byte[] _key;

    private MasterKey(byte[] key)
    {
        _key = key;
        Id = ComputeId(key);
    }

    /// <summary>16 hex digits: the first 8 bytes of SHA-256("moat master key id\0" ‖ key).</summary>
    public string Id { get; }

    internal ReadOnlySpan<byte> Bytes => _key;

    public static MasterKey Generate() => new(RandomNumberGenerator.GetBytes(Size));

    public static MasterKey FromBytes(ReadOnlySpan<byte> key)
    {
        if (key.Length != Size) throw new AtRestException($"a master key has {Size} bytes, not {key.Length}");
        return new MasterKey(key.ToArray());
    }

    public static string ComputeId(ReadOnlySpan<byte> key)
    {
        byte[] prefix = "moat master key id\0"u8.ToArray();
        byte[] input = new byte[prefix.Length + key.Length];
        prefix.CopyTo(input, 0);
        key.CopyTo(input.AsSpan(prefix.Length));
        string id = Convert.ToHexStringLower(SHA256.HashData(input).AsSpan(0, 8));
        CryptographicOperations.ZeroMemory(input);
        return id;
    }

    /// <summary>Parses a key file's content: 64 hex digits, surrounding white space allowed.</summary>
    public static MasterKey Parse(ReadOnlySpan<byte> content, string source)
    {
        string text = Encoding.ASCII.GetString(content).Trim();
        if (text.Length != Size * 2 || !text.All(char.IsAsciiHexDigit))
            throw new AtRestException($"master key {source}: expected {Size * 2} hex digits (as `moat key init` writes)");
        return new MasterKey(Convert.FromHexString(text));
    }

    /// <summary>
    /// Reads a key file and checks it is safe: a regular file (not a symlink), owned by this process's user (root) and
    /// without any group or other permission bits.
    /// </summary>
    /// <exception cref="FileNotFoundException">There is no such file.</exception>
    /// <exception cref="AtRestException">The file is unsafe or malformed.</exception>
    public static MasterKey LoadFile(string path)
    {
        var stat = Files.LStat(path) ?? throw new FileNotFoundException($"master key file {path} does not exist", path);
        if (!stat.IsRegular)
            throw new AtRestException($"master key file {path} is not a regular file (symlinks are refused)");
        if (stat.Uid != (int)Libc.getuid())
            throw new AtRestException($"master key file {path} is owned by uid {stat.Uid}, not by uid {Libc.getuid()} (moatd's user)");
        if ((stat.Mode & 0b000_111_111) != 0)
            throw new AtRestException($"master key file {path} has mode {Convert.ToString(stat.Mode & 0xFFF, 8).PadLeft(4, '0')}: it must not be accessible by group or others (chmod 0400 {path})");
        if (stat.Size > MaxFileSize) throw new AtRestException($"master key file {path} is too large");
        byte[] content = File.ReadAllBytes(path);
        try { return Parse(content, "file " + path); }
        finally { CryptographicOperations.ZeroMemory(content); }
    }

    /// <summary>Reads a systemd credential (LoadCredential=, in $CREDENTIALS_DIRECTORY): systemd owns its permissions.</summary>
    public static MasterKey LoadCredential(string path)
    {
        var info = new FileInfo(path);
        if (!info.Exists) throw new FileNotFoundException($"credential {path} does not exist", path);
        if (info.Length > MaxFileSize) throw new AtRestException($"credential {path} is too large");
        byte[] content = File.ReadAllBytes(path);
        try { return Parse(content, "credential " + path); }
        finally { CryptographicOperations.ZeroMemory(content); }
    }

    /// <summary>
    /// Writes the key to <paramref name="path"/> with mode 0400, atomically (temp file created 0400, fsync, rename, fsync of
    /// the directory). Refuses to replace an existing file unless <paramref name="overwrite"/>.
    /// </summary>
    public void WriteFile(string path, bool overwrite)
    {
        string full = Path.GetFullPath(path);
        string dir = Path.GetDirectoryName(full)!;
        if (!overwrite && File.Exists(full)) throw new AtRestException($"{full} already exists; refusing to overwrite a master key");
        Directory.CreateDirectory(dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        string temp = Path.Combine(dir, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        byte[] text = Encoding.ASCII.GetBytes(Convert.ToHexStringLower(_key) + "\n");
        try
        {
            using (var stream = new FileStream(temp, new FileStreamOptions
            {
                Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None,
                UnixCreateMode = UnixFileMode.UserRead,
            }))
            {
                stream.Write(text);
                stream.Flush(flushToDisk: true);
            }
            if (overwrite) File.Move(temp, full, overwrite: true);
            else Files.Link(temp, full); // fails with EEXIST instead of replacing a key created meanwhile
            Files.FsyncDirectory(dir);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(text);
            try { File.Delete(temp); } catch (IOException) { }
        }
    }

    public void Dispose() => CryptographicOperations.ZeroMemory(_key);
}
