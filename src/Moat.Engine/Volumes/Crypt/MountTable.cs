namespace Moat.Engine.Volumes.Crypt;

/// <summary>Reads /proc/self/mountinfo: which paths are mount points and of what type.</summary>
internal static class MountTable
{
    /// <summary>Mount point → file-system type ("fuse.gocryptfs"), for mount points at or below <paramref name="prefix"/>.</summary>
    public static Dictionary<string, string> Below(string prefix)
    {
        string root = Path.TrimEndingDirectorySeparator(Path.GetFullPath(prefix));
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var m in Storage.MountInfo.Read())
            if (m.MountPoint == root || m.MountPoint.StartsWith(root + "/", StringComparison.Ordinal))
                result[m.MountPoint] = m.FsType;
        return result;
    }

    public static string? TypeOf(string path)
    {
        string full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(path));
        return Below(full).GetValueOrDefault(full);
    }
}
