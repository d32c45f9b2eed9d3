using Moat.Compat.Tests.Infrastructure;
using Moat.Compat.Tests.Remote;

namespace Moat.Compat.Tests.Streams;

/// <summary>Piped stdin and exec over ssh://: the half-close crosses ssh, sshd and `moat dial-stdio`.</summary>
public sealed class SshStreamTests(SshFixture fixture) : IClassFixture<SshFixture>
{
    [Fact]
    public async Task RunInteractiveAndExec_OverSsh_Work()
    {
        var ssh = fixture.Ssh;
        var cat = await DockerCli.RunAsync(ssh.DockerHost, ["run", "-i", "--rm", "busybox", "sh", "-c", "cat; echo eof"], stdin: "over ssh\n", env: ssh.ClientEnvironment, timeout: TimeSpan.FromSeconds(60));
        Assert.True(cat.ExitCode == 0, cat.ToString());
        Assert.Equal("over ssh\neof", cat.Stdout.Trim());

        var run = await DockerCli.RunAsync(ssh.DockerHost, ["run", "-d", "--name", "ssh-exec", "busybox", "sleep", "60"], env: ssh.ClientEnvironment);
        Assert.True(run.ExitCode == 0, run.ToString());
        try
        {
            var exec = await DockerCli.RunAsync(ssh.DockerHost, ["exec", "-i", "ssh-exec", "sh", "-c", "cat; exit 9"], stdin: "exec over ssh\n", env: ssh.ClientEnvironment, timeout: TimeSpan.FromSeconds(60));
            Assert.Equal(9, exec.ExitCode);
            Assert.Equal("exec over ssh", exec.Stdout.Trim());
        }
        finally
        {
            await DockerCli.RunAsync(ssh.DockerHost, ["rm", "-f", "ssh-exec"], env: ssh.ClientEnvironment);
        }
    }
}
