namespace Moat.Engine.Storage;

/// <summary>One line of /proc/self/mountinfo, with the paths unescaped.</summary>
public readonly record struct MountInfoEntry(string Root, string MountPoint, string FsType, string SuperOptions);

/// <summary>
/// Reads /proc/self/mountinfo (proc(5)): <c>id parent major:minor root mountpoint options [optional…] - fstype source
/// superoptions</c>. Paths escape space, tab, newline and backslash as octal (<c>\040</c> …).
/// </summary>
public static class MountInfo
{
    public const string SelfPath = "/proc/self/mountinfo";

    /// <summary>The entries of a mountinfo file (this process's by default).</summary>
    public static IEnumerable<MountInfoEntry> Read(string path = SelfPath)
    {
        foreach (var line in File.ReadLines(path))
            if (TryParse(line, out var entry)) yield return entry;
    }

    /// <summary>The entries of mountinfo <paramref name="text"/>.</summary>
    public static IEnumerable<MountInfoEntry> Parse(string text)
    {
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            if (TryParse(line, out var entry)) yield return entry;
    }

    public static bool TryParse(string line, out MountInfoEntry entry)
    {
        entry = default;
        int dash = line.IndexOf(" - ", StringComparison.Ordinal);
        if (dash < 0) return false;
        var left = line[..dash].Split(' ');
        var right = line[(dash + 3)..].Split(' ');
        if (left.Length < 5 || right.Length < 1) return false;
        entry = new MountInfoEntry(Unescape(left[3]), Unescape(left[4]), right[0], right.Length > 2 ? right[2] : "");
        return true;
    }

    public static string Unescape(string s) =>
        s.Contains('\\') ? s.Replace("\\040", " ", StringComparison.Ordinal).Replace("\\011", "\t", StringComparison.Ordinal).Replace("\\012", "\n", StringComparison.Ordinal).Replace("\\134", "\\", StringComparison.Ordinal) : s;
}
