using Moat.Compat.Tests.Infrastructure;

namespace Moat.Compat.Tests.Authorization;

/// <summary>Real local users and a group for a test (useradd/groupadd), removed on dispose.</summary>
public sealed class LocalUsers : IAsyncDisposable
{
    private readonly List<string> _users = [];

    private LocalUsers(string group) => Group = group;

    public string Group { get; }

    public static async Task<LocalUsers> CreateAsync()
    {
        string suffix = $"{Environment.ProcessId % 100000}{Random.Shared.Next(100, 999)}";
        var users = new LocalUsers($"moatg{suffix}");
        await Run("groupadd", users.Group);
        return users;
    }

    /// <summary>Adds a user (optionally in the test group) and returns its name and uid.</summary>
    public async Task<(string Name, int Uid)> AddUserAsync(string prefix, bool inGroup)
    {
        string name = $"{prefix}{Group[5..]}";
        var args = new List<string> { "--no-create-home", "--shell", "/usr/sbin/nologin", "--user-group" };
        if (inGroup) { args.Add("-G"); args.Add(Group); }
        args.Add(name);
        await Run("useradd", [.. args]);
        _users.Add(name);
        var id = await ProcessRunner.RunAsync("id", ["-u", name]);
        return (name, int.Parse(id.Stdout.Trim()));
    }

    /// <summary>Runs the docker CLI as <paramref name="user"/> with its own config directory.</summary>
    public static async Task<CliResult> DockerAsAsync(string user, string host, params string[] args)
    {
        string config = Directory.CreateTempSubdirectory("moat-cfg-").FullName;
        try
        {
            await Run("chown", user, config);
            return await ProcessRunner.RunAsync("runuser", ["-u", user, "--", DockerCli.DockerPath, "-H", host, .. args],
                env: new Dictionary<string, string?> { ["DOCKER_CONFIG"] = config, ["DOCKER_HOST"] = null, ["DOCKER_CONTEXT"] = null });
        }
        finally
        {
            Directory.Delete(config, true);
        }
    }

    private static async Task Run(string file, params string[] args)
    {
        var r = await ProcessRunner.RunAsync(file, args);
        if (r.ExitCode != 0) throw new InvalidOperationException($"{file} {string.Join(' ', args)}: {r}");
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var u in _users) await ProcessRunner.RunAsync("userdel", [u]);
        await ProcessRunner.RunAsync("groupdel", [Group]);
    }
}
