namespace Moat.Security.Identity;

/// <summary>
/// uid → user name and groups from /etc/passwd and /etc/group (primary group plus every group that lists
/// the user as a member). The files are re-read when their modification time changes.
/// </summary>
public sealed class UnixAccounts
{
    /// <summary>Files larger than this are refused (a sane account database is far smaller).</summary>
    private const long MaxFileBytes = 16 * 1024 * 1024;

    private readonly string _passwdPath;
    private readonly string _groupPath;
    private readonly object _gate = new();
    private Snapshot? _snapshot;

    public UnixAccounts(string passwdPath = "/etc/passwd", string groupPath = "/etc/group")
    {
        _passwdPath = passwdPath;
        _groupPath = groupPath;
    }

    public static UnixAccounts System { get; } = new();

    /// <summary>The account for <paramref name="uid"/>; unknown uids are named "uid:N" and keep only their gid's group.</summary>
    public UnixAccount Lookup(int uid, int gid)
    {
        var snapshot = Current();
        if (snapshot.Users.TryGetValue(uid, out var user))
        {
            var groups = new List<string>();
            if (snapshot.GroupNames.TryGetValue(user.Gid, out var primary)) groups.Add(primary);
            if (gid != user.Gid && snapshot.GroupNames.TryGetValue(gid, out var effective) && !groups.Contains(effective)) groups.Add(effective);
            if (snapshot.Memberships.TryGetValue(user.Name, out var supplementary))
                foreach (var g in supplementary) if (!groups.Contains(g)) groups.Add(g);
            return new UnixAccount(user.Name, groups);
        }
        var fallback = new List<string>();
        if (snapshot.GroupNames.TryGetValue(gid, out var name)) fallback.Add(name);
        return new UnixAccount($"uid:{uid}", fallback);
    }

    private Snapshot Current()
    {
        var passwdTime = ModificationTime(_passwdPath);
        var groupTime = ModificationTime(_groupPath);
        lock (_gate)
        {
            if (_snapshot is { } s && s.PasswdTime == passwdTime && s.GroupTime == groupTime) return s;
            _snapshot = Load(passwdTime, groupTime);
            return _snapshot;
        }
    }

    private static DateTime ModificationTime(string path)
    {
        try { return File.GetLastWriteTimeUtc(path); }
        catch (IOException) { return DateTime.MinValue; }
    }

    private Snapshot Load(DateTime passwdTime, DateTime groupTime)
    {
        var users = new Dictionary<int, (string Name, int Gid)>();
        foreach (var line in ReadLines(_passwdPath))
        {
            // name:password:uid:gid:gecos:home:shell
            var f = line.Split(':');
            if (f.Length < 4 || f[0].Length == 0) continue;
            if (!int.TryParse(f[2], out int uid) || !int.TryParse(f[3], out int gid)) continue;
            users.TryAdd(uid, (f[0], gid));
        }
        var groupNames = new Dictionary<int, string>();
        var memberships = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var line in ReadLines(_groupPath))
        {
            // name:password:gid:member,member
            var f = line.Split(':');
            if (f.Length < 3 || f[0].Length == 0 || !int.TryParse(f[2], out int gid)) continue;
            groupNames.TryAdd(gid, f[0]);
            if (f.Length < 4) continue;
            foreach (var member in f[3].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                if (!memberships.TryGetValue(member, out var list)) memberships[member] = list = [];
                if (!list.Contains(f[0])) list.Add(f[0]);
            }
        }
        return new Snapshot(passwdTime, groupTime, users, groupNames, memberships);
    }

    private static IEnumerable<string> ReadLines(string path)
    {
        FileInfo info = new(path);
        if (!info.Exists || info.Length > MaxFileBytes) return [];
        try
        {
            return File.ReadAllLines(path).Where(l => l.Length > 0 && l[0] != '#');
        }
        catch (IOException) { return []; }
        catch (UnauthorizedAccessException) { return []; }
    }

    private sealed record Snapshot(
        DateTime PasswdTime,
        DateTime GroupTime,
        Dictionary<int, (string Name, int Gid)> Users,
        Dictionary<int, string> GroupNames,
        Dictionary<string, List<string>> Memberships);
}

/// <summary>A resolved local account: its name and the names of its groups.</summary>
public sealed record UnixAccount(string Name, IReadOnlyList<string> Groups);
