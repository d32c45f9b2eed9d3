namespace Moat.Security.Pki;

/// <summary>Writes files so that a reader sees the old content or the new, never a part, with the mode set from creation.</summary>
public static class AtomicFile
{
    public const UnixFileMode PrivateKeyMode = UnixFileMode.UserRead;                                               // 0400
    public const UnixFileMode CertificateMode = UnixFileMode.UserRead | UnixFileMode.GroupRead | UnixFileMode.OtherRead; // 0444
    public const UnixFileMode StateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;                            // 0600
    public const UnixFileMode DirectoryMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute; // 0700

    /// <summary>Write a temp file beside <paramref name="path"/> (created with <paramref name="mode"/>), fsync, rename over.</summary>
    public static void Write(string path, ReadOnlySpan<byte> content, UnixFileMode mode)
    {
        string full = Path.GetFullPath(path);
        string dir = Path.GetDirectoryName(full)!;
        string temp = Path.Combine(dir, $".{Path.GetFileName(full)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            var options = new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                Share = FileShare.None,
                UnixCreateMode = mode | UnixFileMode.UserWrite,
            };
            using (var stream = new FileStream(temp, options))
            {
                stream.Write(content);
                stream.Flush(flushToDisk: true);
            }
            // The umask may have taken bits away, and a read-only mode had to allow the owner to write first.
            File.SetUnixFileMode(temp, mode);
            File.Move(temp, full, overwrite: true);
        }
        catch
        {
            try { File.Delete(temp); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            throw;
        }
    }

    public static void WriteText(string path, string content, UnixFileMode mode) =>
        Write(path, System.Text.Encoding.UTF8.GetBytes(content), mode);
}
