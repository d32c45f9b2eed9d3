using System.Security.Cryptography;

namespace Moat.Engine.Runtime;

public sealed partial class RuntimeService
{
    /// <summary>
    /// Writes the OCI spec (it holds the environment and command) under the exec-root, which is a tmpfs in production,
    /// and makes the bundle's config.json a symlink to it: the bundle (rootfs, rw layer) stays under the data-root, the
    /// secrets never reach its disk. A plain config.json left by an older moatd is overwritten before it is replaced.
    /// </summary>
    private void WriteSpec(string id, string bundleDir, byte[] specJson)
    {
        string stateDir = StateDir(id);
        Directory.CreateDirectory(stateDir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        string target = Path.Combine(stateDir, "config.json");
        AtomicFile.WriteIfChanged(target, specJson, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        string link = Path.Combine(bundleDir, "config.json");
        var existing = new FileInfo(link);
        if (existing.LinkTarget == target) return;
        if (existing.Exists && existing.LinkTarget is null) ScrubPlainSpec(link);
        string temp = link + ".link";
        File.Delete(temp);
        File.CreateSymbolicLink(temp, target);
        File.Move(temp, link, overwrite: true);
    }

    /// <summary>Overwrites a plain config.json in a bundle under the data-root before it goes (best effort crypto-shred).</summary>
    internal static void ScrubPlainSpec(string path)
    {
        try
        {
            long length = new FileInfo(path).Length;
            using (var stream = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.None))
            {
                stream.Write(RandomNumberGenerator.GetBytes((int)Math.Min(length, 16 << 20)));
                stream.Flush(flushToDisk: true);
            }
            File.Delete(path);
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}
