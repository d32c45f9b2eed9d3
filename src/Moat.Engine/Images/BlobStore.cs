using System.Security.Cryptography;
using Moat.Engine.Storage;
using Moat.Linux;

namespace Moat.Engine.Images;

/// <summary>
/// Content-addressed blobs (configs, manifests, uncompressed layer tars) under blobs/sha256/&lt;hex&gt;.
/// Every write goes to a temp file, is verified, fsynced and renamed: a reader never sees a partial blob.
/// </summary>
public sealed class BlobStore
{
    private readonly string _dir;
    private readonly string _tmp;

    public BlobStore(string root)
    {
        _dir = Path.Combine(root, "blobs", "sha256");
        _tmp = Path.Combine(root, "tmp");
        Directory.CreateDirectory(_dir);
        if (Directory.Exists(_tmp)) Directory.Delete(_tmp, recursive: true);
        Directory.CreateDirectory(_tmp);
    }

    /// <summary>Directory for temporary files on the same file system as the blobs (renames stay atomic).</summary>
    public string TempDirectory => _tmp;

    public string PathOf(string digest) => Path.Combine(_dir, Hex(digest));

    public bool Exists(string digest) => File.Exists(PathOf(digest));

    public byte[] Read(string digest) => File.ReadAllBytes(PathOf(digest));

    public long SizeOf(string digest) => new FileInfo(PathOf(digest)).Length;

    public string Put(ReadOnlySpan<byte> data)
    {
        string digest = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(data));
        if (Exists(digest)) return digest;
        string tmp = NewTempPath();
        using (var file = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write))
        {
            file.Write(data);
            file.Flush(flushToDisk: true);
        }
        Commit(tmp, digest);
        return digest;
    }

    /// <summary>A fresh temp file path for <see cref="Commit"/>.</summary>
    public string NewTempPath() => Path.Combine(_tmp, Guid.NewGuid().ToString("N"));

    /// <summary>Moves a finished, already verified temp file into place (fsync first); drops it when the blob exists.</summary>
    public void Commit(string tempPath, string digest)
    {
        if (Exists(digest))
        {
            File.Delete(tempPath);
            return;
        }
        using (var file = new FileStream(tempPath, FileMode.Open, FileAccess.ReadWrite)) file.Flush(flushToDisk: true);
        File.Move(tempPath, PathOf(digest), overwrite: true);
        Files.FsyncDirectory(_dir);
    }

    public void Delete(string digest)
    {
        try { File.Delete(PathOf(digest)); }
        catch (DirectoryNotFoundException) { }
    }

    public IEnumerable<string> List() =>
        Directory.EnumerateFiles(_dir).Select(Path.GetFileName).Where(n => n is { Length: 64 }).Select(n => "sha256:" + n);

    private static string Hex(string digest)
    {
        if (!digest.StartsWith("sha256:", StringComparison.Ordinal) || digest.Length != 71 || !ImageReference.IsLowerHex(digest[7..]))
            throw new InvalidLayerException($"invalid digest \"{digest}\"");
        return digest[7..];
    }
}
