using System.Globalization;
using Moat.Engine.Errors;

namespace Moat.Engine.Runtime;

/// <summary>The uid, gid, supplementary groups and home of the container's user.</summary>
public sealed record ResolvedUser(uint Uid, uint Gid, IReadOnlyList<uint> AdditionalGids, string Home);

/// <summary>
/// Resolves Docker's --user ("uid", "uid:gid", "name", "name:group") against the rootfs's /etc/passwd and
/// /etc/group as runc's user.GetExecUser does: numbers need no entry, names must exist, a user's primary group and
/// the groups that list it become the process's groups.
/// </summary>
public static class UserResolver
{
    private const long MaxFileBytes = 4 << 20;

    public static ResolvedUser Resolve(string? rootfs, string? user, IReadOnlyList<string>? groupAdd = null)
    {
        string spec = string.IsNullOrEmpty(user) ? "0" : user;
        int colon = spec.IndexOf(':');
        string userPart = colon < 0 ? spec : spec[..colon];
        string? groupPart = colon < 0 ? null : spec[(colon + 1)..];
        var passwd = ReadEntries(rootfs, "/etc/passwd");
        var groups = ReadEntries(rootfs, "/etc/group");

        uint uid, gid = 0;
        string home = "/";
        string? userName = null;
        bool numericUser = TryParseId(userPart, out uid);
        var pw = passwd.FirstOrDefault(e => e.Length >= 7 && (numericUser ? e[2] == userPart : e[0] == userPart));
        if (pw is not null)
        {
            userName = pw[0];
            TryParseId(pw[2], out uid);
            TryParseId(pw[3], out gid);
            home = pw[5].Length > 0 ? pw[5] : "/";
        }
        else if (!numericUser)
            throw new InvalidArgumentException($"unable to find user {userPart}: no matching entries in passwd file");

        var additional = new List<uint>();
        if (groupPart is not null && groupPart.Length > 0)
        {
            gid = ResolveGroup(groups, groupPart);
        }
        else if (userName is not null)
        {
            foreach (var g in groups)
            {
                if (g.Length < 4 || !TryParseId(g[2], out uint id) || id == gid) continue;
                if (g[3].Split(',').Contains(userName) && !additional.Contains(id)) additional.Add(id);
            }
        }
        foreach (var extra in groupAdd ?? [])
        {
            uint id = ResolveGroup(groups, extra);
            if (!additional.Contains(id)) additional.Add(id);
        }
        return new ResolvedUser(uid, gid, additional, home);
    }

    private static uint ResolveGroup(List<string[]> groups, string group)
    {
        if (TryParseId(group, out uint gid)) return gid;
        var g = groups.FirstOrDefault(e => e.Length >= 3 && e[0] == group)
            ?? throw new InvalidArgumentException($"unable to find group {group}: no matching entries in group file");
        if (!TryParseId(g[2], out gid)) throw new InvalidArgumentException($"unable to find group {group}: no matching entries in group file");
        return gid;
    }

    private static bool TryParseId(string s, out uint id) =>
        uint.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out id);

    private static List<string[]> ReadEntries(string? rootfs, string path)
    {
        var list = new List<string[]>();
        if (rootfs is null) return list;
        string file;
        try { file = RootfsPath.Resolve(rootfs, path); }
        catch (IOException) { return list; }
        var info = new FileInfo(file);
        if (!info.Exists || info.Length > MaxFileBytes) return list;
        foreach (var line in File.ReadLines(file))
        {
            if (line.Length == 0 || line.StartsWith('#')) continue;
            list.Add(line.Split(':'));
        }
        return list;
    }
}
