namespace Moat.Engine.Runtime;

/// <summary>
/// Resolves a path inside a container's rootfs the way the container would see it: symlinks are followed
/// relative to the rootfs, and ".." never climbs above it, so an image cannot point the daemon at host files.
/// </summary>
public static class RootfsPath
{
    private const int MaxLinks = 40;

    public static string Resolve(string rootfs, string path)
    {
        var parts = new Stack<string>(path.Split('/', StringSplitOptions.RemoveEmptyEntries).Reverse());
        var resolved = new List<string>();
        int links = 0;
        while (parts.Count > 0)
        {
            string part = parts.Pop();
            if (part == ".") continue;
            if (part == "..") { if (resolved.Count > 0) resolved.RemoveAt(resolved.Count - 1); continue; }
            string candidate = Path.Combine(rootfs, string.Join('/', resolved.Append(part)));
            var info = new FileInfo(candidate);
            if (info.LinkTarget is { } target)
            {
                if (++links > MaxLinks) throw new IOException($"too many levels of symbolic links: {path}");
                if (target.StartsWith('/')) resolved.Clear();
                foreach (var p in target.Split('/', StringSplitOptions.RemoveEmptyEntries).Reverse()) parts.Push(p);
                continue;
            }
            resolved.Add(part);
        }
        return Path.Combine(rootfs, string.Join('/', resolved));
    }
}
