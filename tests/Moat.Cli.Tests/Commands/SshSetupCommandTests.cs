using Moat.Cli.Commands;

namespace Moat.Cli.Tests.Commands;

public sealed class SshSetupCommandTests : IDisposable
{
    private readonly CliTestDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private static (int Code, string Out, string Err) Run(string? processPath, params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = SshSetupCommand.Run(args, stdout, stderr, processPath);
        return (code, stdout.ToString(), stderr.ToString());
    }

    private static IReadOnlyList<string> Directives(string dropIn) =>
        dropIn.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')).ToList();

    [Fact]
    public void Print_KeysOnlyGroupAllowedAndForcedToDialStdio()
    {
        var (code, output, _) = Run(null, "--print");

        Assert.Equal(0, code);
        var d = Directives(output);
        Assert.Contains("PasswordAuthentication no", d);
        Assert.Contains("KbdInteractiveAuthentication no", d);
        Assert.Contains("PubkeyAuthentication yes", d);
        Assert.Contains("AllowGroups docker", d);
        int match = d.ToList().IndexOf("Match Group docker");
        Assert.True(match > 0);
        var block = d.Skip(match + 1).TakeWhile(l => !l.StartsWith("Match ")).ToList();
        Assert.Contains("ForceCommand /usr/local/bin/moat dial-stdio", block);
        foreach (var off in new[] { "DisableForwarding yes", "AllowTcpForwarding no", "AllowStreamLocalForwarding no", "AllowAgentForwarding no", "X11Forwarding no", "PermitTTY no", "PermitTunnel no" })
            Assert.Contains(off, block);
        Assert.Equal("Match all", d[^1]);
    }

    [Fact]
    public void Print_Options_GroupAdminGroupMoatPathAndHost()
    {
        var (_, output, _) = Run(null, "--print", "--group", "devs", "--admin-group", "sudo", "--moat-path", "/opt/moat/bin/moat", "-H", "unix:///run/moat/docker.sock");

        var d = Directives(output);
        Assert.Contains("AllowGroups devs sudo", d);
        Assert.Contains("Match Group devs", d);
        Assert.Contains("ForceCommand /opt/moat/bin/moat dial-stdio -H unix:///run/moat/docker.sock", d);
    }

    [Fact]
    public void MoatPath_DefaultsToThisBinaryWhenNamedMoat()
    {
        var (_, output, _) = Run("/usr/bin/moat", "--print");

        Assert.Contains("ForceCommand /usr/bin/moat dial-stdio", output);
    }

    [Fact]
    public void Write_CreatesFileWith0644AndPrintsHowToAddAUser()
    {
        string file = _dir.Combine("sshd_config.d", "00-moat.conf");

        var (code, output, _) = Run(null, "--output", file, "--group", "docker");

        Assert.Equal(0, code);
        Assert.Equal(Run(null, "--print", "--group", "docker").Out, File.ReadAllText(file));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead, File.GetUnixFileMode(file));
        Assert.Contains("useradd", output);
        Assert.Contains("authorized_keys", output);
    }

    [Theory]
    [InlineData("--group", "bad group")]
    [InlineData("--group", "x;rm")]
    [InlineData("--moat-path", "relative/moat")]
    [InlineData("--moat-path", "/usr/bin/moat; id")]
    [InlineData("-H", "tcp://127.0.0.1:2375")]
    [InlineData("-H", "unix:///tmp/a b.sock")]
    public void BadOption_UsageError(string option, string value)
    {
        var (code, output, err) = Run(null, "--print", option, value);

        Assert.Equal(2, code);
        Assert.Equal("", output);
        Assert.StartsWith("moat ssh-setup: ", err);
    }
}
