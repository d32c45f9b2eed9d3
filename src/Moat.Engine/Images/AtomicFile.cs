using Moat.Linux;

namespace Moat.Engine.Images;

/// <summary>State files: written to a temp name, fsynced, renamed over the old one, directory fsynced.</summary>
internal static class AtomicFile
{
    public static void Write(string path, ReadOnlySpan<byte> data)
    {
        string dir = Path.GetDirectoryName(path)!;
        string tmp = Path.Combine(dir, "." + Path.GetFileName(path) + "." + Guid.NewGuid().ToString("N") + ".tmp");
        using (var file = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write))
        {
            file.Write(data);
            file.Flush(flushToDisk: true);
        }
        File.Move(tmp, path, overwrite: true);
        Files.FsyncDirectory(dir);
    }
}
