using Moat.Compat.Tests.Infrastructure;

namespace Moat.Compat.Tests.Authorization;

public sealed class PolicyCheckCliTests
{
    private const string Policy = """
        {
          "roles": { "ci": { "actions": ["container.*", "image.pull"], "scope": "own",
                             "constraints": { "capabilities": ["NET_BIND_SERVICE"], "images": ["docker.io/library/*"] } } },
          "bindings": [ { "role": "developer", "groups": ["dev"] }, { "role": "ci", "users": ["jenkins"] } ]
        }
        """;

    private static async Task<CliResult> CheckAsync(TempDir dir, params string[] args)
    {
        File.WriteAllText(dir.Combine("policy.json"), Policy);
        return await ProcessRunner.RunAsync(MoatDaemon.CliPath, ["policy", "check", "--policy", dir.Combine("policy.json"), .. args]);
    }

    [Fact]
    public async Task Check_Action_AllowAndDenyWithRule()
    {
        using var dir = new TempDir("moat-policy");

        var allow = await CheckAsync(dir, "--user", "alice", "--group", "dev", "--action", "container.create");
        var deny = await CheckAsync(dir, "--user", "alice", "--group", "dev", "--action", "image.delete");

        Assert.Equal(0, allow.ExitCode);
        Assert.Equal("allow: user alice (groups dev) may container.create: role developer allows container.create (own objects only)", allow.Stdout.Trim());
        Assert.Equal(1, deny.ExitCode);
        Assert.Equal("deny: user alice (groups dev) may not image.delete: no role of user alice allows image.delete", deny.Stdout.Trim());
    }

    [Fact]
    public async Task Check_Request_ConstraintsDecide()
    {
        using var dir = new TempDir("moat-policy");
        File.WriteAllText(dir.Combine("ok.json"), """{"Image":"busybox","HostConfig":{"CapAdd":["NET_BIND_SERVICE"]}}""");
        File.WriteAllText(dir.Combine("bad.json"), """{"Image":"busybox","HostConfig":{"Binds":["/:/host"]}}""");
        File.WriteAllText(dir.Combine("foreign.json"), """{"Image":"evil.example.com/miner"}""");

        var ok = await CheckAsync(dir, "--user", "jenkins", "--request", dir.Combine("ok.json"));
        var bad = await CheckAsync(dir, "--user", "jenkins", "--request", dir.Combine("bad.json"));
        var foreign = await CheckAsync(dir, "--user", "jenkins", "--request", dir.Combine("foreign.json"));

        Assert.True(ok.ExitCode == 0, ok.ToString());
        Assert.Equal(1, bad.ExitCode);
        Assert.Contains("role ci: bind mount of / is not allowed", bad.Stdout);
        Assert.Equal(1, foreign.ExitCode);
        Assert.Contains("role ci: image evil.example.com/miner is not allowed", foreign.Stdout);
    }

    [Fact]
    public async Task Check_BrokenPolicyOrUsage_ExitsTwo()
    {
        using var dir = new TempDir("moat-policy");
        File.WriteAllText(dir.Combine("broken.json"), """{"bindings":[{"role":"nobody","users":["a"]}]}""");

        var broken = await ProcessRunner.RunAsync(MoatDaemon.CliPath, ["policy", "check", "--policy", dir.Combine("broken.json"), "--user", "a", "--action", "system.info"]);
        var usage = await CheckAsync(dir, "--user", "alice");

        Assert.Equal(2, broken.ExitCode);
        Assert.Contains("unknown role \"nobody\"", broken.Stderr);
        Assert.Equal(2, usage.ExitCode);
    }
}
