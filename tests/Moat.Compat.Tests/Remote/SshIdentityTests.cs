using System.Net.Sockets;
using System.Text;
using Moat.Compat.Tests.Infrastructure;

namespace Moat.Compat.Tests.Remote;

/// <summary>
/// Why ssh:// gives per-user identity: the process sshd runs for the key's owner (`moat dial-stdio`, forced) is the
/// socket peer, so SO_PEERCRED on the daemon's socket names the SSH login user. Checked with a socket this test
/// listens on in place of moatd's.
/// </summary>
public sealed class SshIdentityTests
{
    private const int SOL_SOCKET = 1;
    private const int SO_PEERCRED = 17;

    [Fact]
    public async Task DialStdio_OverSsh_SocketPeerIsTheLoginUser()
    {
        var ct = TestContext.Current.CancellationToken;
        using var dir = new TempDir("moat-peer");
        File.SetUnixFileMode(dir.Path, (UnixFileMode)Convert.ToInt32("755", 8));
        string socketPath = dir.Combine("peer.sock");
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(socketPath));
        listener.Listen();
        File.SetUnixFileMode(socketPath, (UnixFileMode)Convert.ToInt32("666", 8));
        await using var ssh = await SshServer.StartAsync(socketPath, SshFixture.Group);
        var server = Task.Run(async () =>
        {
            using var connection = await listener.AcceptAsync(ct);
            var credentials = new byte[12]; // struct ucred { pid_t pid; uid_t uid; gid_t gid; }
            connection.GetRawSocketOption(SOL_SOCKET, SO_PEERCRED, credentials);
            int uid = BitConverter.ToInt32(credentials, 4);
            await connection.SendAsync(Encoding.ASCII.GetBytes($"peer uid {uid}\n"), SocketFlags.None, ct);
            connection.Shutdown(SocketShutdown.Both);
        }, ct);

        var result = await ssh.SshAsync($"{ssh.User}@127.0.0.1", "docker", "system", "dial-stdio");
        await server.WaitAsync(TimeSpan.FromSeconds(10), ct);
        var uid = (await ProcessRunner.RunAsync("id", ["-u", ssh.User])).Stdout.Trim();

        Assert.True(result.ExitCode == 0, $"{result}\nsshd log:\n{ssh.Log}");
        Assert.Equal($"peer uid {uid}\n", result.Stdout);
        Assert.NotEqual("0", uid);
    }
}
