using System.Runtime.InteropServices;

namespace Moat.Linux.FileSystem;

/// <summary>realpath(3): the canonical absolute path with every symlink, "." and ".." resolved.</summary>
public static partial class RealPath
{
    /// <summary>
    /// Resolves <paramref name="path"/>; for a path that does not exist yet (docker creates missing bind
    /// sources), resolves the longest existing prefix and appends the rest, so a symlinked parent cannot hide.
    /// </summary>
    public static string Resolve(string path)
    {
        if (!path.StartsWith('/')) throw new ArgumentException("path must be absolute", nameof(path));
        string current = path;
        var rest = new Stack<string>();
        for (int guard = 0; guard < 4096; guard++)
        {
            string? resolved = TryRealPath(current);
            if (resolved is not null)
            {
                foreach (var part in rest)
                {
                    if (part is "" or ".") continue;
                    if (part == "..") { resolved = Path.GetDirectoryName(resolved) ?? "/"; continue; }
                    resolved = resolved == "/" ? "/" + part : resolved + "/" + part;
                }
                return resolved;
            }
            string trimmed = current.TrimEnd('/');
            int slash = trimmed.LastIndexOf('/');
            if (slash < 0) return path;
            rest.Push(trimmed[(slash + 1)..]);
            current = slash == 0 ? "/" : trimmed[..slash];
        }
        return path;
    }

    private static unsafe string? TryRealPath(string path)
    {
        nint result = realpath(path, 0);
        if (result == 0) return null;
        try { return Marshal.PtrToStringUTF8(result); }
        finally { free(result); }
    }

    [LibraryImport("libc", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial nint realpath(string path, nint resolved);

    [LibraryImport("libc")]
    private static partial void free(nint ptr);
}
