namespace Moat.Engine.Volumes.Crypt;

/// <summary>Reads /proc/self/mountinfo: which paths are mount points and of what type.</summary>
internal static class MountTable
{
    /// <summary>Mount point → file-system type ("fuse.gocryptfs"), for mount points at or below <paramref name="prefix"/>.</summary>
    public static Dictionary<string, string> Below(string prefix)
    {
        string root = Path.TrimEndingDirectorySeparator(Path.GetFullPath(prefix));
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in File.ReadLines("/proc/self/mountinfo"))
        {
            // id parent major:minor root mountpoint options [optional...] - fstype source superoptions
            var fields = line.Split(' ');
            if (fields.Length < 7) continue;
            string mountPoint = Unescape(fields[4]);
            if (mountPoint != root && !mountPoint.StartsWith(root + "/", StringComparison.Ordinal)) continue;
            int dash = Array.IndexOf(fields, "-", 6);
            result[mountPoint] = dash > 0 && dash + 1 < fields.Length ? fields[dash + 1] : "";
        }
        return result;
    }

    public static string? TypeOf(string path)
    {
        string full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(path));
        return Below(full).GetValueOrDefault(full);
    }

    private static string Unescape(string s) =>
        s.Contains('\\') ? s.Replace("\\040", " ", StringComparison.Ordinal).Replace("\\011", "\t", StringComparison.Ordinal).Replace("\\012", "\n", StringComparison.Ordinal).Replace("\\134", "\\", StringComparison.Ordinal) : s;
}
