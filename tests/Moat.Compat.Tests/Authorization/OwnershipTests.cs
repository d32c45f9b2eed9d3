using Moat.Compat.Tests.Infrastructure;

namespace Moat.Compat.Tests.Authorization;

/// <summary>
/// Authorization's "own" scope with real local users driving the real docker CLI: developers see and touch only
/// their own containers and volumes; someone else's answer exactly as missing ones.
/// </summary>
public sealed class OwnershipTests
{
    private static async Task<MoatDaemon> StartAsync(TempDir dir, string policy)
    {
        File.WriteAllText(dir.Combine("policy.json"), policy);
        var daemon = await MoatDaemon.StartAsync(
            $$"""{"authorization-policy": "{{dir.Combine("policy.json")}}", "audit-log": "{{dir.Combine("audit", "audit.log")}}"}""");
        File.SetUnixFileMode(daemon.Dir.Path, (UnixFileMode)Convert.ToInt32("755", 8));
        File.SetUnixFileMode(daemon.SocketPath, (UnixFileMode)Convert.ToInt32("666", 8));
        await BusyboxImage.ImportAsync(daemon);
        return daemon;
    }

    private static void Ok(CliResult r) => Assert.True(r.ExitCode == 0, r.ToString());

    private static void Fails(CliResult r, string message)
    {
        Assert.True(r.ExitCode != 0, r.ToString());
        Assert.Contains(message, r.Stderr);
    }

    [Fact]
    public async Task Developers_SeeAndTouchOnlyTheirOwnContainersAndVolumes()
    {
        using var dir = new TempDir("moat-own");
        await using var users = await LocalUsers.CreateAsync();
        var alice = await users.AddUserAsync("al", inGroup: false);
        var bob = await users.AddUserAsync("bo", inGroup: false);
        await using var daemon = await StartAsync(dir, $$"""{"bindings":[{"role":"developer","users":["{{alice.Name}}","{{bob.Name}}"]}]}""");
        Task<CliResult> Alice(params string[] a) => LocalUsers.DockerAsAsync(alice.Name, daemon.Host, a);
        Task<CliResult> Bob(params string[] a) => LocalUsers.DockerAsAsync(bob.Name, daemon.Host, a);

        try
        {
            Ok(await Alice("run", "-d", "--name", "a1", "busybox", "sleep", "60"));
            Ok(await Alice("volume", "create", "av"));

            var bobPs = await Bob("ps", "-a", "--format", "{{.Names}}");
            Ok(bobPs);
            Assert.DoesNotContain("a1", bobPs.Stdout);
            // `docker rm -f` reports a missing container on stderr but exits 0, for a missing one as here.
            Assert.Contains("No such container: a1", (await Bob("rm", "-f", "a1")).Stderr);
            foreach (var args in new[] { new[] { "stop", "a1" }, ["inspect", "--type", "container", "a1"], ["logs", "a1"], ["kill", "a1"], ["pause", "a1"], ["top", "a1"], ["rename", "a1", "b1"] })
                Fails(await Bob(args), "No such container: a1");
            // Exactly what a missing container answers.
            Fails(await Bob("stop", "nothere"), "No such container: nothere");
            // Names are global: bob cannot take alice's name (dockerd's 409).
            var taken = await Bob("create", "--name", "a1", "busybox", "true");
            Fails(taken, "is already in use");
            // ... without naming alice's container; neither its ID prefix nor a before/since filter finds it.
            var a1 = await Alice("inspect", "-f", "{{.Id}}", "a1");
            Ok(a1);
            string a1Id = a1.Stdout.Trim();
            Assert.DoesNotContain(a1Id[..12], taken.Stderr);
            Fails(await Bob("inspect", "--type", "container", a1Id[..4]), $"No such container: {a1Id[..4]}");
            Fails(await Bob("ps", "-a", "--filter", "before=a1"), "No such container: a1");

            var bobVolumes = await Bob("volume", "ls", "-q");
            Ok(bobVolumes);
            Assert.DoesNotContain("av", bobVolumes.Stdout);
            Fails(await Bob("volume", "inspect", "av"), "get av: no such volume");
            Fails(await Bob("volume", "rm", "av"), "get av: no such volume");
            Ok(await Bob("volume", "rm", "-f", "av")); // as for a missing volume; av stays (checked below)

            // Volume names are global too: bob can neither take nor mount alice's volume.
            Fails(await Bob("volume", "create", "av"), "volume name av is already in use by another user");
            Fails(await Bob("run", "--rm", "-v", "av:/data", "busybox", "true"), "volume name av is already in use by another user");

            // bob's prune leaves alice's stopped container alone.
            Ok(await Alice("create", "--name", "a2", "busybox", "true"));
            Ok(await Bob("container", "prune", "-f"));

            var alicePs = await Alice("ps", "-a", "--format", "{{.Names}} {{.Label \"moat.owner\"}}");
            Ok(alicePs);
            Assert.Contains($"a1 {alice.Name}", alicePs.Stdout);
            Assert.Contains($"a2 {alice.Name}", alicePs.Stdout);
            Assert.Contains("av", (await Alice("volume", "ls", "-q")).Stdout);

            // /events: bob sees none of alice's events, alice sees hers.
            string until = DateTimeOffset.UtcNow.AddSeconds(1).ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
            var bobEvents = await Bob("events", "--since", "0", "--until", until, "--format", "{{.Type}} {{.Action}} {{.Actor.Attributes.name}}");
            Ok(bobEvents);
            Assert.DoesNotContain("a1", bobEvents.Stdout);
            Assert.DoesNotContain("volume create", bobEvents.Stdout);
            Assert.Contains("container prune", bobEvents.Stdout); // his own prune: the stream is not just empty
            var aliceEvents = await Alice("events", "--since", "0", "--until", until, "--format", "{{.Type}} {{.Action}} {{.Actor.Attributes.name}}");
            Ok(aliceEvents);
            Assert.Contains("container start a1", aliceEvents.Stdout);
            Assert.Contains("volume create", aliceEvents.Stdout);

            // root (uid 0) is an administrator and sees everything.
            var rootPs = await daemon.DockerAsync("ps", "-a", "--format", "{{.Names}}");
            Ok(rootPs);
            Assert.Contains("a1", rootPs.Stdout);

            Ok(await Alice("stop", "-t", "1", "a1"));
            Ok(await Alice("rm", "a1", "a2"));
            Ok(await Alice("volume", "rm", "av"));
            Assert.DoesNotContain("a1", (await daemon.DockerAsync("ps", "-a", "--format", "{{.Names}}")).Stdout);
        }
        finally
        {
            await daemon.DockerAsync("rm", "-f", "a1", "a2");
            await daemon.DockerAsync("volume", "rm", "-f", "av");
        }
    }

    [Fact]
    public async Task Developer_DangerousRuns_DeniedByPolicy_ViewerReadsOnly_RootDoesAll()
    {
        using var dir = new TempDir("moat-own");
        await using var users = await LocalUsers.CreateAsync();
        var alice = await users.AddUserAsync("al", inGroup: false);
        var viewer = await users.AddUserAsync("vi", inGroup: false);
        await using var daemon = await StartAsync(dir,
            $$"""{"bindings":[{"role":"developer","users":["{{alice.Name}}"]},{"role":"viewer","users":["{{viewer.Name}}"]}]}""");
        Task<CliResult> Alice(params string[] a) => LocalUsers.DockerAsAsync(alice.Name, daemon.Host, a);

        try
        {
            const string Denied = "authorization denied by policy";
            Fails(await Alice("run", "--rm", "--privileged", "busybox", "true"), Denied);
            Fails(await Alice("run", "--rm", "-v", "/:/host", "busybox", "true"), Denied);
            Fails(await Alice("run", "--rm", "-v", "/etc:/x", "busybox", "true"), Denied);
            Fails(await Alice("run", "--rm", "-v", $"{daemon.SocketPath}:/var/run/docker.sock", "busybox", "true"), Denied);
            Fails(await Alice("run", "--rm", "--pid", "host", "busybox", "true"), Denied);

            Ok(await daemon.DockerAsync("run", "-d", "--name", "r1", "--pid", "host", "busybox", "sleep", "60"));
            var viewerPs = await LocalUsers.DockerAsAsync(viewer.Name, daemon.Host, "ps", "--format", "{{.Names}}");
            Ok(viewerPs);
            Assert.Contains("r1", viewerPs.Stdout);
            Ok(await LocalUsers.DockerAsAsync(viewer.Name, daemon.Host, "inspect", "--type", "container", "r1"));
            Fails(await LocalUsers.DockerAsAsync(viewer.Name, daemon.Host, "run", "--rm", "busybox", "true"), Denied);
            Fails(await LocalUsers.DockerAsAsync(viewer.Name, daemon.Host, "stop", "r1"), Denied);
            Ok(await daemon.DockerAsync("rm", "-f", "r1"));
        }
        finally
        {
            await daemon.DockerAsync("rm", "-f", "r1");
        }
    }
}
