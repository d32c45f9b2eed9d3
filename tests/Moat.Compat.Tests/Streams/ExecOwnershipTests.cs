using System.Text.Json;
using Moat.Compat.Tests.Authorization;
using Moat.Compat.Tests.Infrastructure;

namespace Moat.Compat.Tests.Streams;

/// <summary>Exec instances belong with their container: someone else's answers exactly as a missing one.</summary>
public sealed class ExecOwnershipTests
{
    private static Task<CliResult> CurlAsAsync(string user, MoatDaemon daemon, params string[] args) =>
        ProcessRunner.RunAsync("runuser", ["-u", user, "--", "curl", "-s", "-w", "\n%{http_code}", "--unix-socket", daemon.SocketPath, .. args]);

    [Fact]
    public async Task Developers_CannotSeeOrStartAnotherUsersExec()
    {
        using var dir = new TempDir("moat-exec-own");
        await using var users = await LocalUsers.CreateAsync();
        var alice = await users.AddUserAsync("ae", inGroup: false);
        var bob = await users.AddUserAsync("be", inGroup: false);
        File.WriteAllText(dir.Combine("policy.json"), $$"""{"bindings":[{"role":"developer","users":["{{alice.Name}}","{{bob.Name}}"]}]}""");
        await using var daemon = await MoatDaemon.StartAsync($$"""{"authorization-policy": "{{dir.Combine("policy.json")}}"}""");
        File.SetUnixFileMode(daemon.Dir.Path, (UnixFileMode)Convert.ToInt32("755", 8));
        File.SetUnixFileMode(daemon.SocketPath, (UnixFileMode)Convert.ToInt32("666", 8));
        await BusyboxImage.ImportAsync(daemon);

        var run = await LocalUsers.DockerAsAsync(alice.Name, daemon.Host, "run", "-d", "--name", "ae1", "busybox", "sleep", "60");
        Assert.True(run.ExitCode == 0, run.ToString());
        try
        {
            var exec = await LocalUsers.DockerAsAsync(alice.Name, daemon.Host, "exec", "ae1", "sh", "-c", "exit 2");
            Assert.Equal(2, exec.ExitCode);
            Assert.Contains("No such container: ae1", (await LocalUsers.DockerAsAsync(bob.Name, daemon.Host, "exec", "ae1", "true")).Stderr);

            var created = await CurlAsAsync(alice.Name, daemon, "-X", "POST", "-H", "Content-Type: application/json", "-d", "{\"Cmd\":[\"true\"]}", "http://d/v1.50/containers/ae1/exec");
            Assert.EndsWith("201", created.Stdout.Trim());
            string id = JsonDocument.Parse(created.Stdout.Trim()[..^3]).RootElement.GetProperty("Id").GetString()!;

            Assert.EndsWith("200", (await CurlAsAsync(alice.Name, daemon, $"http://d/v1.50/exec/{id}/json")).Stdout.Trim());
            var inspect = await CurlAsAsync(bob.Name, daemon, $"http://d/v1.50/exec/{id}/json");
            Assert.EndsWith("404", inspect.Stdout.Trim());
            Assert.Contains($"No such exec instance: {id}", inspect.Stdout);
            var start = await CurlAsAsync(bob.Name, daemon, "-X", "POST", "-H", "Content-Type: application/json", "-d", "{\"Detach\":true}", $"http://d/v1.50/exec/{id}/start");
            Assert.EndsWith("404", start.Stdout.Trim());
            var resize = await CurlAsAsync(bob.Name, daemon, "-X", "POST", $"http://d/v1.50/exec/{id}/resize?h=10&w=10");
            Assert.EndsWith("404", resize.Stdout.Trim());
        }
        finally
        {
            await LocalUsers.DockerAsAsync(alice.Name, daemon.Host, "rm", "-f", "ae1");
        }
    }
}
