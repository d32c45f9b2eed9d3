using Moat.Compat.Tests.Authorization;
using Moat.Compat.Tests.Infrastructure;

namespace Moat.Compat.Tests.Archive;

/// <summary>docker cp under a policy: someone else's container is "missing", a viewer may not copy at all.</summary>
public sealed class CopyAuthorizationTests
{
    private static void Ok(CliResult r) => Assert.True(r.ExitCode == 0, r.ToString());

    private static void Fails(CliResult r, string message)
    {
        Assert.True(r.ExitCode != 0, r.ToString());
        Assert.Contains(message, r.Stderr);
    }

    [Fact]
    public async Task Cp_OthersContainer_IsMissing_AndViewerIsDenied()
    {
        using var dir = new TempDir("moat-cpauth");
        await using var users = await LocalUsers.CreateAsync();
        var alice = await users.AddUserAsync("ca", inGroup: false);
        var bob = await users.AddUserAsync("cb", inGroup: false);
        var vera = await users.AddUserAsync("cv", inGroup: false);
        File.WriteAllText(dir.Combine("policy.json"),
            $$"""{"bindings":[{"role":"developer","users":["{{alice.Name}}","{{bob.Name}}"]},{"role":"viewer","users":["{{vera.Name}}"]}]}""");
        await using var daemon = await MoatDaemon.StartAsync(
            $$"""{"authorization-policy": "{{dir.Combine("policy.json")}}", "audit-log": "{{dir.Combine("audit", "audit.log")}}"}""");
        File.SetUnixFileMode(daemon.Dir.Path, (UnixFileMode)Convert.ToInt32("755", 8));
        File.SetUnixFileMode(daemon.SocketPath, (UnixFileMode)Convert.ToInt32("666", 8));
        await BusyboxImage.ImportAsync(daemon);
        Task<CliResult> As(string user, params string[] a) => LocalUsers.DockerAsAsync(user, daemon.Host, a);

        // A world-readable source and a world-writable destination, so only the daemon's answer matters.
        string share = dir.Combine("share");
        Directory.CreateDirectory(share);
        File.SetUnixFileMode(dir.Path, (UnixFileMode)Convert.ToInt32("755", 8));
        File.SetUnixFileMode(share, (UnixFileMode)Convert.ToInt32("1777", 8));
        File.WriteAllText(Path.Combine(share, "f"), "x");
        File.SetUnixFileMode(Path.Combine(share, "f"), (UnixFileMode)Convert.ToInt32("644", 8));

        try
        {
            Ok(await As(alice.Name, "create", "--name", "ca1", "busybox", "true"));
            Ok(await As(alice.Name, "cp", Path.Combine(share, "f"), "ca1:/f"));
            Ok(await As(alice.Name, "cp", "ca1:/f", Path.Combine(share, "alice-out")));

            Fails(await As(bob.Name, "cp", "ca1:/f", Path.Combine(share, "bob-out")), "No such container: ca1");
            Fails(await As(bob.Name, "cp", Path.Combine(share, "f"), "ca1:/bob"), "No such container: ca1");
            Assert.False(File.Exists(Path.Combine(share, "bob-out")));

            Fails(await As(vera.Name, "cp", "ca1:/f", Path.Combine(share, "vera-out")), "authorization denied by policy");
            Fails(await As(vera.Name, "cp", Path.Combine(share, "f"), "ca1:/vera"), "authorization denied by policy");
            Assert.False(File.Exists(Path.Combine(share, "vera-out")));
        }
        finally
        {
            await daemon.DockerAsync("rm", "-f", "ca1");
        }
    }
}
