using System.Text;

namespace Moat.Engine.Runtime;

/// <summary>Write to a temp file, fsync, rename: readers see the old content or the new, never a part.</summary>
internal static class AtomicFile
{
    public static void Write(string path, string content, UnixFileMode mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead)
        => Write(path, Encoding.UTF8.GetBytes(content), mode);

    public static void Write(string path, ReadOnlySpan<byte> content, UnixFileMode mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead)
        => Write(path, content, mode, durable: true);

    private static void Write(string path, ReadOnlySpan<byte> content, UnixFileMode mode, bool durable)
    {
        string tmp = path + ".tmp";
        using (var fs = new FileStream(tmp, new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, UnixCreateMode = mode }))
        {
            fs.Write(content);
            fs.Flush(flushToDisk: durable);
        }
        File.Move(tmp, path, overwrite: true);
    }

    /// <summary>
    /// For files made again before every start (a bundle's config.json, hosts…, runtime.json): atomic (temp file,
    /// rename), so a moatd crash leaves the old content or the new, but not fsynced: after a power loss the container
    /// is not running anyway and its next start writes them again. Unchanged content is not rewritten. Returns whether it wrote.
    /// </summary>
    public static bool WriteIfChanged(string path, ReadOnlySpan<byte> content, UnixFileMode mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead)
    {
        try
        {
            var info = new FileInfo(path);
            if (info.Exists && info.Length == content.Length && content.SequenceEqual(File.ReadAllBytes(path))) return false;
        }
        catch (IOException) { }
        Write(path, content, mode, durable: false);
        return true;
    }

    public static bool WriteIfChanged(string path, string content, UnixFileMode mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead)
        => WriteIfChanged(path, Encoding.UTF8.GetBytes(content), mode);
}
