using System.Buffers;
using System.Net.Sockets;

namespace Moat.Cli.Commands;

/// <summary>
/// `moat dial-stdio`: what `docker system dial-stdio` does on an ssh:// server. It connects to the daemon's unix
/// socket and copies stdin to it and it to stdout. The daemon sees this process (running as the SSH login user)
/// through SO_PEERCRED, so an ssh:// user is known by name.
/// Half-close: stdin's EOF becomes shutdown(SHUT_WR) on the socket while the answer keeps flowing to stdout; the
/// daemon closing its side ends the command at once (stdin may never close).
/// </summary>
internal static class DialStdioCommand
{
    public const string DefaultSocket = "/var/run/docker.sock";
    private const int BufferSize = 32 * 1024;

    public const string Usage = """
        Usage: moat dial-stdio [-H unix:///PATH]

        Connects stdin and stdout to the daemon's unix socket (default $DOCKER_HOST if it is unix://, else
        unix:///var/run/docker.sock). sshd runs it as the ForceCommand that `moat ssh-setup` writes, so
        DOCKER_HOST=ssh://user@host reaches the API as that user and nothing else.
        """;

    private static readonly Dictionary<string, string> Options = new() { ["-H"] = "host", ["--host"] = "host" };
    private static readonly Dictionary<string, string> Flags = new() { ["-h"] = "help", ["--help"] = "help" };

    public static async Task<int> RunAsync(string[] args, Stream stdin, Stream stdout, TextWriter stderr, Func<string, string?> environment)
    {
        string socketPath;
        try
        {
            var a = new CommandArguments(args, Options, Flags);
            if (a.Has("help"))
            {
                stderr.WriteLine(Usage);
                return 0;
            }
            if (a.Positionals.Count > 0) throw new UsageException($"dial-stdio takes no argument \"{a.Positionals[0]}\"");
            socketPath = SocketPath(a.Single("host"), environment("DOCKER_HOST"));
        }
        catch (UsageException e)
        {
            stderr.WriteLine($"moat dial-stdio: {e.Message}");
            return 2;
        }

        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath));
        }
        catch (SocketException e)
        {
            stderr.WriteLine($"moat dial-stdio: cannot connect to unix://{socketPath}: {e.Message}");
            return 1;
        }
        return await CopyAsync(socket, stdin, stdout, stderr);
    }

    /// <summary>The socket path from -H, else a unix:// DOCKER_HOST, else the default; only unix:// is accepted.</summary>
    internal static string SocketPath(string? host, string? dockerHost)
    {
        string? chosen = host ?? (dockerHost is { Length: > 0 } && dockerHost.StartsWith("unix://", StringComparison.Ordinal) ? dockerHost : null);
        if (chosen is null) return DefaultSocket;
        if (!chosen.StartsWith("unix://", StringComparison.Ordinal))
            throw new UsageException($"dial-stdio connects to a unix socket only, not \"{chosen}\"");
        string path = chosen["unix://".Length..];
        if (path.Length == 0 || path[0] != '/') throw new UsageException($"\"{chosen}\" needs an absolute socket path");
        return path;
    }

    /// <summary>The duplex copy; returns when the daemon has finished sending (or, after stdin's EOF, both ways are done).</summary>
    internal static async Task<int> CopyAsync(Socket socket, Stream stdin, Stream stdout, TextWriter stderr)
    {
        using var network = new NetworkStream(socket, ownsSocket: false);
        using var cancel = new CancellationTokenSource();
        var up = Task.Run(async () =>
        {
            await PumpAsync(stdin, network, cancel.Token);
            socket.Shutdown(SocketShutdown.Send);
        });
        var down = Task.Run(async () =>
        {
            await PumpAsync(network, stdout, cancel.Token);
            await stdout.FlushAsync(cancel.Token);
        });
        try
        {
            if (await Task.WhenAny(up, down) == up)
            {
                await up;
                await down;
            }
            else
            {
                // The daemon is done: like docker's dial-stdio, do not wait for stdin (it may never close).
                await down;
                cancel.Cancel();
            }
            return 0;
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or OperationCanceledException)
        {
            cancel.Cancel();
            stderr.WriteLine($"moat dial-stdio: {e.Message}");
            return 1;
        }
    }

    private static async Task PumpAsync(Stream from, Stream to, CancellationToken cancellationToken)
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            int n;
            while ((n = await from.ReadAsync(buffer.AsMemory(0, BufferSize), cancellationToken)) > 0)
            {
                await to.WriteAsync(buffer.AsMemory(0, n), cancellationToken);
                await to.FlushAsync(cancellationToken);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
