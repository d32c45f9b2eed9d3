using System.Text;

namespace Moat.Engine.Runtime;

/// <summary>Write to a temp file, fsync, rename: readers see the old content or the new, never a part.</summary>
internal static class AtomicFile
{
    public static void Write(string path, string content, UnixFileMode mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead)
        => Write(path, Encoding.UTF8.GetBytes(content), mode);

    public static void Write(string path, ReadOnlySpan<byte> content, UnixFileMode mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead)
    {
        string tmp = path + ".tmp";
        using (var fs = new FileStream(tmp, new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, UnixCreateMode = mode }))
        {
            fs.Write(content);
            fs.Flush(flushToDisk: true);
        }
        File.Move(tmp, path, overwrite: true);
    }

    /// <summary>As <see cref="Write(string, ReadOnlySpan{byte}, UnixFileMode)"/> unless the file already holds exactly
    /// <paramref name="content"/>; returns whether it wrote.</summary>
    public static bool WriteIfChanged(string path, ReadOnlySpan<byte> content, UnixFileMode mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead)
    {
        try
        {
            var info = new FileInfo(path);
            if (info.Exists && info.Length == content.Length && content.SequenceEqual(File.ReadAllBytes(path))) return false;
        }
        catch (IOException) { }
        Write(path, content, mode);
        return true;
    }

    public static bool WriteIfChanged(string path, string content, UnixFileMode mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead)
        => WriteIfChanged(path, Encoding.UTF8.GetBytes(content), mode);
}
