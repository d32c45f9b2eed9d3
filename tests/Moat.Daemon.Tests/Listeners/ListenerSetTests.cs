using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;
using Moat.Api.Contracts.SystemInfo;
using Moat.Daemon.Configuration;
using Moat.Daemon.Hosting.Logging;
using Moat.Daemon.Listeners;

namespace Moat.Daemon.Tests.Listeners;

public sealed class ListenerSetTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("moat-listeners-").FullName;
    private readonly StringWriter _log = new();
    private readonly ILogger _logger;

    public ListenerSetTests()
    {
        _logger = new DaemonLoggerProvider(new LogLevelSwitch(LogLevel.Information), "text", _log).CreateLogger("Moat.Test");
    }

    private DaemonSettings WithTls(DaemonSettings s, bool verify)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256);
        using var cert = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        string certFile = Path.Combine(_dir, "cert.pem"), keyFile = Path.Combine(_dir, "key.pem");
        File.WriteAllText(certFile, cert.ExportCertificatePem());
        File.WriteAllText(keyFile, key.ExportPkcs8PrivateKeyPem());
        return s with { Tls = true, TlsVerify = verify, TlsCert = certFile, TlsKey = keyFile, TlsCaCert = certFile };
    }

    [Fact]
    public void LoopbackPlainTcp_AddsDockerdsInfoWarning()
    {
        using var set = ListenerSet.Create(new DaemonSettings { Hosts = ["tcp://127.0.0.1:0"] }, _logger, []);
        var info = new SystemInfoResponse();

        new ListenerInfoContributor(set).Contribute(info);

        Assert.Single(info.Warnings);
        Assert.StartsWith("[DEPRECATION NOTICE]: API is accessible on http://127.0.0.1:0 without encryption.", info.Warnings[0]);
        Assert.Equal("tcp", set.Listeners[0].Transport);
    }

    [Fact]
    public void NonLoopbackPlainTcp_Refuses_AndBindsNothing()
    {
        string socket = Path.Combine(_dir, "a.sock");
        var e = Assert.Throws<ConfigurationException>(() =>
            ListenerSet.Create(new DaemonSettings { Hosts = ["unix://" + socket, "tcp://0.0.0.0:0"], Group = "0" }, _logger, []));

        Assert.StartsWith("failed to load listeners: refusing to serve the API on tcp://0.0.0.0:0 without TLS", e.Message);
        Assert.False(File.Exists(socket), "the unix socket made before the refusal must be removed");
    }

    [Fact]
    public void Tls_WrapsTcpOnly_UnixStaysPlain_MutualTlsHasNoWarnings()
    {
        string socket = Path.Combine(_dir, "b.sock");
        var settings = WithTls(new DaemonSettings { Hosts = ["unix://" + socket, "tcp://127.0.0.1:0"], Group = "0" }, verify: true);

        using var set = ListenerSet.Create(settings, _logger, []);

        Assert.Equal(["tcp://127.0.0.1:0", "unix://" + socket], set.Listeners.Select(l => l.Address));
        Assert.Equal(["tls", "unix"], set.Listeners.Select(l => l.Transport));
        Assert.Empty(set.InfoWarnings);
        Assert.NotNull(set.Tls);
    }

    [Fact]
    public void TlsWithoutVerify_NonLoopback_StartsWithHttpsNotice()
    {
        var settings = WithTls(new DaemonSettings { Hosts = ["tcp://0.0.0.0:0"] }, verify: false);

        using var set = ListenerSet.Create(settings, _logger, []);

        Assert.StartsWith("[DEPRECATION NOTICE]: API is accessible on https://0.0.0.0:0 without TLS client verification.", Assert.Single(set.InfoWarnings));
        Assert.Contains("does not verify clients", _log.ToString());
    }

    [Fact]
    public void Dispose_RemovesUnixSocketFiles()
    {
        string socket = Path.Combine(_dir, "c.sock");
        var set = ListenerSet.Create(new DaemonSettings { Hosts = ["unix://" + socket, "unix://" + socket], Group = "0" }, _logger, []);
        Assert.Single(set.Listeners);
        Assert.True(File.Exists(socket));

        set.Dispose();

        Assert.False(File.Exists(socket));
    }

    public void Dispose() => Directory.Delete(_dir, true);
}
