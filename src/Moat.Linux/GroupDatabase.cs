namespace Moat.Linux;

/// <summary>Looks groups up in /etc/group (the files backend is all a container host needs; no NSS modules).</summary>
public static class GroupDatabase
{
    public const string DefaultPath = "/etc/group";

    /// <summary>Resolves a group name, or a numeric gid as given, to a gid; null when the name is unknown.</summary>
    public static uint? LookupGid(string nameOrGid, string path = DefaultPath)
    {
        if (uint.TryParse(nameOrGid, out uint gid)) return gid;
        if (!File.Exists(path)) return null;
        foreach (var line in File.ReadLines(path))
        {
            // name:password:gid:members
            var fields = line.Split(':');
            if (fields.Length >= 3 && fields[0] == nameOrGid && uint.TryParse(fields[2], out gid)) return gid;
        }
        return null;
    }
}
