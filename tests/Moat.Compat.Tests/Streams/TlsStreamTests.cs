using Moat.Compat.Tests.Infrastructure;

namespace Moat.Compat.Tests.Streams;

/// <summary>Attach and exec through mutual TLS: the half-close and the exec start body cross the TLS layer.</summary>
public sealed class TlsStreamTests : IAsyncLifetime
{
    private TestPki _pki = null!;

    public async ValueTask InitializeAsync() => _pki = await TestPki.CreateAsync();

    public ValueTask DisposeAsync()
    {
        _pki.Dispose();
        return ValueTask.CompletedTask;
    }

    [Fact]
    public async Task RunInteractiveAndExec_OverMutualTls_Work()
    {
        int port = RawHttp.FreeTcpPort();
        await using var daemon = await MoatDaemon.StartAsync(args: ["-H", $"tcp://127.0.0.1:{port}", .. _pki.DaemonFlags(true)]);
        string host = $"tcp://127.0.0.1:{port}";
        string[] tls = _pki.ClientFlags(_pki.ClientCert, _pki.ClientKey);
        var import = await DockerCli.RunAsync(host, [.. tls, "import", "--change", "CMD [\"sh\"]", BusyboxImage.TarPath, "busybox:latest"]);
        Assert.True(import.ExitCode == 0, import.ToString());

        var cat = await DockerCli.RunAsync(host, [.. tls, "run", "-i", "--rm", "busybox", "sh", "-c", "cat; echo eof"], stdin: "over tls\n", timeout: TimeSpan.FromSeconds(30));
        Assert.True(cat.ExitCode == 0, cat.ToString());
        Assert.Equal("over tls\neof", cat.Stdout.Trim());

        var run = await DockerCli.RunAsync(host, [.. tls, "run", "-d", "--name", "tls-exec", "busybox", "sleep", "60"]);
        Assert.True(run.ExitCode == 0, run.ToString());
        var exec = await DockerCli.RunAsync(host, [.. tls, "exec", "-i", "tls-exec", "sh", "-c", "cat; exit 6"], stdin: "exec input\n", timeout: TimeSpan.FromSeconds(30));
        Assert.Equal(6, exec.ExitCode);
        Assert.Equal("exec input", exec.Stdout.Trim());
        await DockerCli.RunAsync(host, [.. tls, "rm", "-f", "tls-exec"]);
    }
}
