using Moat.Compat.Tests.Infrastructure;

namespace Moat.Compat.Tests.Systemd;

public sealed class SystemdUnitTests
{
    private static string RepoRoot => Path.GetDirectoryName(MoatDaemon.DistDir.TrimEnd('/'))!;

    private static string UnitText(string name) => File.ReadAllText(Path.Combine(RepoRoot, "contrib", "systemd", name));

    [Fact]
    public async Task Units_PassSystemdAnalyzeVerify()
    {
        using var dir = new TempDir("moat-units");
        // verify insists that ExecStart exists: point it at the binary under test.
        File.WriteAllText(dir.Combine("moat.service"), UnitText("moat.service").Replace("/usr/local/bin/moatd", MoatDaemon.DaemonPath));
        File.WriteAllText(dir.Combine("moat.socket"), UnitText("moat.socket"));

        var result = await ProcessRunner.RunAsync("systemd-analyze", ["verify", dir.Combine("moat.socket"), dir.Combine("moat.service")]);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.True(result.Stderr.Trim().Length == 0, result.ToString());
    }

    [Fact]
    public void Units_MatchDockersContract()
    {
        string service = UnitText("moat.service");
        string socket = UnitText("moat.socket");

        foreach (var line in new[] { "Type=notify", "ExecStart=/usr/local/bin/moatd -H fd://", "ExecReload=/bin/kill -s HUP $MAINPID",
                     "KillMode=process", "Delegate=yes", "Restart=always", "Requires=moat.socket", "LimitNOFILE=" })
            Assert.Contains(line, service);
        foreach (var line in new[] { "ListenStream=/run/docker.sock", "SocketMode=0660", "SocketUser=root", "SocketGroup=docker" })
            Assert.Contains(line, socket);
    }
}
