using Moat.Compat.Tests.Infrastructure;

namespace Moat.Compat.Tests.Streams;

/// <summary>
/// A real terminal for the docker CLI: a tmux server of its own (-L), one window running a command; the test types
/// with send-keys, reads the screen with capture-pane and resizes the window. Disposing kills the server.
/// </summary>
public sealed class Tmux : IAsyncDisposable
{
    private readonly string _server = $"moat-test-{Environment.ProcessId}-{Guid.NewGuid():N}"[..40];

    private Tmux() { }

    /// <summary>Starts <paramref name="shellCommand"/> (run by sh) in a width×height window; the window stays after it ends.</summary>
    public static async Task<Tmux> StartAsync(string shellCommand, int width = 100, int height = 30)
    {
        var t = new Tmux();
        await t.RunAsync("new-session", "-d", "-s", "main", "-x", width.ToString(), "-y", height.ToString(), shellCommand + "; echo \"[ended rc=$?]\"; sleep 600");
        return t;
    }

    /// <summary>The docker CLI for <paramref name="daemon"/> as a command line for tmux.</summary>
    public static string Docker(MoatDaemon daemon, string configDir, string args) =>
        $"env DOCKER_HOST={daemon.Host} DOCKER_CONFIG={configDir} {DockerCli.DockerPath} {args}";

    public Task SendKeysAsync(params string[] keys) => RunAsync(["send-keys", "-t", "main", .. keys]);

    /// <summary>Types literal text (no key names), then optionally Enter.</summary>
    public async Task TypeAsync(string text, bool enter = true)
    {
        await RunAsync("send-keys", "-t", "main", "-l", text);
        if (enter) await RunAsync("send-keys", "-t", "main", "Enter");
    }

    public Task ResizeAsync(int width, int height) => RunAsync("resize-window", "-t", "main", "-x", width.ToString(), "-y", height.ToString());

    public async Task<string> ScreenAsync() => (await RunAsync("capture-pane", "-p", "-t", "main")).Stdout;

    /// <summary>Polls the screen until <paramref name="done"/> holds; fails with the screen after <paramref name="timeout"/>.</summary>
    public async Task<string> WaitForAsync(Func<string, bool> done, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(20));
        string screen = "";
        while (DateTime.UtcNow < deadline)
        {
            screen = await ScreenAsync();
            if (done(screen)) return screen;
            await Task.Delay(100);
        }
        Assert.Fail($"the terminal never showed what was expected; screen:\n{screen}");
        return screen;
    }

    /// <summary>Types <paramref name="command"/> (and Enter) every second until the screen satisfies <paramref name="done"/>.</summary>
    public async Task<string> RetypeUntilAsync(string command, Func<string, bool> done, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(20));
        string screen = "";
        while (DateTime.UtcNow < deadline)
        {
            await TypeAsync(command);
            for (int i = 0; i < 10; i++)
            {
                await Task.Delay(100);
                screen = await ScreenAsync();
                if (done(screen)) return screen;
            }
        }
        Assert.Fail($"the terminal never showed what was expected after `{command}`; screen:\n{screen}");
        return screen;
    }

    private async Task<CliResult> RunAsync(params string[] args)
    {
        var r = await ProcessRunner.RunAsync("tmux", ["-L", _server, .. args], timeout: TimeSpan.FromSeconds(10));
        if (r.ExitCode != 0) throw new InvalidOperationException($"tmux {string.Join(' ', args)}: {r}");
        return r;
    }

    public async ValueTask DisposeAsync()
    {
        await ProcessRunner.RunAsync("tmux", ["-L", _server, "kill-server"], timeout: TimeSpan.FromSeconds(10));
    }
}
