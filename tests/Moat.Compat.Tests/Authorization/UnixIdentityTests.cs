using System.Text;
using Moat.Compat.Tests.Infrastructure;

namespace Moat.Compat.Tests.Authorization;

/// <summary>Real local users drive the real docker CLI against moatd with a policy; the audit log names them.</summary>
public sealed class UnixIdentityTests
{
    private static string Config(TempDir dir, string policy)
    {
        File.WriteAllText(dir.Combine("policy.json"), policy);
        return $$"""{"authorization-policy": "{{dir.Combine("policy.json")}}", "audit-log": "{{dir.Combine("audit", "audit.log")}}"}""";
    }

    private static async Task<MoatDaemon> StartOpenToAllAsync(TempDir dir, LocalUsers users)
    {
        var daemon = await MoatDaemon.StartAsync(Config(dir, $$"""{"bindings":[{"role":"viewer","groups":["{{users.Group}}"]}]}"""));
        // The test's socket lives in a private temp dir: let the test users reach it.
        File.SetUnixFileMode(daemon.Dir.Path, (UnixFileMode)Convert.ToInt32("755", 8));
        File.SetUnixFileMode(daemon.SocketPath, (UnixFileMode)Convert.ToInt32("666", 8));
        return daemon;
    }

    private static async Task<string[]> AuditRequestsAsync(string path, int atLeast)
    {
        for (int i = 0; i < 200; i++)
        {
            string[] lines = File.Exists(path)
                ? (await File.ReadAllLinesAsync(path)).Where(l => l.Contains("\"kind\":\"request\"")).ToArray()
                : [];
            if (lines.Length >= atLeast) return lines;
            await Task.Delay(25);
        }
        return File.Exists(path) ? await File.ReadAllLinesAsync(path) : [];
    }

    [Fact]
    public async Task DockerVersion_AsLocalUsers_AuditNamesEachWithUidAndGroups()
    {
        using var dir = new TempDir("moat-authz");
        await using var users = await LocalUsers.CreateAsync();
        var alice = await users.AddUserAsync("al", inGroup: true);
        var bob = await users.AddUserAsync("bo", inGroup: false);
        await using var daemon = await StartOpenToAllAsync(dir, users);

        var asAlice = await LocalUsers.DockerAsAsync(alice.Name, daemon.Host, "version", "--format", "{{.Server.APIVersion}}");
        var asBob = await LocalUsers.DockerAsAsync(bob.Name, daemon.Host, "version", "--format", "{{.Server.APIVersion}}");
        var asRoot = await daemon.DockerAsync("version", "--format", "{{.Server.APIVersion}}");

        Assert.True(asAlice.ExitCode == 0, asAlice.ToString());
        Assert.True(asBob.ExitCode == 0, asBob.ToString());
        Assert.True(asRoot.ExitCode == 0, asRoot.ToString());
        var entries = await AuditRequestsAsync(dir.Combine("audit", "audit.log"), 3);
        Assert.Contains(entries, l => l.Contains($"\"user\":\"{alice.Name}\",\"groups\":[\"{alice.Name}\",\"{users.Group}\"],\"auth\":\"peercred\",\"uid\":{alice.Uid},") && l.Contains("\"action\":\"system.version\""));
        Assert.Contains(entries, l => l.Contains($"\"user\":\"{bob.Name}\",\"groups\":[\"{bob.Name}\"],\"auth\":\"peercred\",\"uid\":{bob.Uid},") && l.Contains("\"rule\":\"always allowed\""));
        Assert.Contains(entries, l => l.Contains("\"user\":\"root\"") && l.Contains("\"uid\":0,"));
        Assert.All(entries, l => Assert.Contains("\"transport\":\"unix\"", l));
    }

    [Fact]
    public async Task AuditVerify_ProducedLog_PassesThenCatchesEditDeleteAndSwap()
    {
        using var dir = new TempDir("moat-authz");
        string log = dir.Combine("audit", "audit.log");
        await using (var daemon = await MoatDaemon.StartAsync(Config(dir, """{"bindings":[]}""")))
        {
            for (int i = 0; i < 4; i++)
            {
                var r = await daemon.DockerAsync("version");
                Assert.True(r.ExitCode == 0, r.ToString());
            }
            await AuditRequestsAsync(log, 4);
        }
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(log));
        byte[] original = File.ReadAllBytes(log);
        // The daemon's start and its clean stop (SIGTERM) frame what it recorded.
        string[] written = File.ReadAllLines(log);
        Assert.Contains("\"kind\":\"daemon\",\"action\":\"daemon.start\"", written[0]);
        Assert.Contains("\"kind\":\"daemon\",\"action\":\"daemon.stop\"", written[^1]);

        var ok = await ProcessRunner.RunAsync(MoatDaemon.CliPath, ["audit", "verify", log]);
        Assert.True(ok.ExitCode == 0, ok.ToString());
        Assert.StartsWith("ok: ", ok.Stdout);

        // Edit one byte of the third line.
        var lines = Split(original);
        int at = Encoding.ASCII.GetString(lines[2]).IndexOf("\"user\":\"root\"", StringComparison.Ordinal);
        Assert.True(at > 0);
        lines[2][at + 9] = (byte)'R';
        File.WriteAllBytes(log, Join(lines));
        var edited = await ProcessRunner.RunAsync(MoatDaemon.CliPath, ["audit", "verify", log]);
        Assert.Equal(1, edited.ExitCode);
        Assert.Contains($"{log}:3: entry altered", edited.Stderr);

        // Delete the second line.
        lines = Split(original);
        lines.RemoveAt(1);
        File.WriteAllBytes(log, Join(lines));
        var deleted = await ProcessRunner.RunAsync(MoatDaemon.CliPath, ["audit", "verify", log]);
        Assert.Equal(1, deleted.ExitCode);
        Assert.Contains($"{log}:2: 1 entry missing before this one", deleted.Stderr);

        // Swap lines three and four.
        lines = Split(original);
        (lines[2], lines[3]) = (lines[3], lines[2]);
        File.WriteAllBytes(log, Join(lines));
        var swapped = await ProcessRunner.RunAsync(MoatDaemon.CliPath, ["audit", "verify", log]);
        Assert.Equal(1, swapped.ExitCode);
        Assert.Contains($"{log}:3:", swapped.Stderr);
    }

    [Fact]
    public async Task Start_PolicyMissing_RefusesToStart()
    {
        using var dir = new TempDir("moat-authz");
        string config = $$"""{"authorization-policy": "{{dir.Combine("nope.json")}}", "audit-log": "{{dir.Combine("audit.log")}}"}""";
        await using var daemon = MoatDaemon.Launch(new TempDir("moatd"), config, null);

        int exit = await daemon.WaitForExitAsync(TimeSpan.FromSeconds(20));

        Assert.NotEqual(0, exit);
        Assert.Contains($"authorization policy {dir.Combine("nope.json")}: file not found", daemon.Output);
    }

    [Fact]
    public async Task Start_PolicyBroken_RefusesToStartAndSaysWhy()
    {
        using var dir = new TempDir("moat-authz");
        string config = Config(dir, """{"roles":{"ci":{"actions":["contianer.create"]}}}""");
        await using var daemon = MoatDaemon.Launch(new TempDir("moatd"), config, null);

        int exit = await daemon.WaitForExitAsync(TimeSpan.FromSeconds(20));

        Assert.Equal(1, exit);
        Assert.Contains("role ci: action \"contianer.create\" matches no known action", daemon.Output);
    }

    private static List<byte[]> Split(byte[] text)
    {
        var lines = new List<byte[]>();
        int start = 0;
        for (int i = 0; i < text.Length; i++)
            if (text[i] == (byte)'\n') { lines.Add(text[start..i]); start = i + 1; }
        return lines;
    }

    private static byte[] Join(List<byte[]> lines) => [.. lines.SelectMany(l => l.Append((byte)'\n'))];
}
