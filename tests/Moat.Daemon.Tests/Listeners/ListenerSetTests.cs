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

    private static readonly int Port = FreePort();

    private static int FreePort()
    {
        using var probe = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        probe.Start();
        return ((System.Net.IPEndPoint)probe.LocalEndpoint).Port;
    }

    /// <summary>Settings as the loader makes them: <see cref="DaemonSettings.HostAddresses"/> parsed, de-duplicated and sorted.</summary>
    private static DaemonSettings Hosts(params string[] hosts)
    {
        var addresses = hosts.Select(h => HostAddress.Parse(h)).DistinctBy(h => h.Normalized).OrderBy(h => h.Normalized, StringComparer.Ordinal).ToList();
        return new DaemonSettings { Hosts = addresses.Select(a => a.Normalized).ToList(), HostAddresses = addresses };
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
        using var set = ListenerSet.Create(Hosts($"tcp://127.0.0.1:{Port}"), _logger, []);
        var info = new SystemInfoResponse();

        new ListenerInfoContributor(set).Contribute(info);

        Assert.Single(info.Warnings);
        Assert.StartsWith($"[DEPRECATION NOTICE]: API is accessible on http://127.0.0.1:{Port} without encryption.", info.Warnings[0]);
        Assert.Equal("tcp", set.Listeners[0].Transport);
    }

    [Fact]
    public void NonLoopbackPlainTcp_Refuses_AndBindsNothing()
    {
        string socket = Path.Combine(_dir, "a.sock");
        var e = Assert.Throws<ConfigurationException>(() =>
            ListenerSet.Create(Hosts("unix://" + socket, $"tcp://0.0.0.0:{Port}") with { Group = "0" }, _logger, []));

        Assert.StartsWith($"failed to load listeners: refusing to serve the API on tcp://0.0.0.0:{Port} without TLS", e.Message);
        Assert.False(File.Exists(socket), "the unix socket made before the refusal must be removed");
    }

    [Fact]
    public void Tls_WrapsTcpOnly_UnixStaysPlain_MutualTlsHasNoWarnings()
    {
        string socket = Path.Combine(_dir, "b.sock");
        var settings = WithTls(Hosts("unix://" + socket, $"tcp://127.0.0.1:{Port}") with { Group = "0" }, verify: true);

        using var set = ListenerSet.Create(settings, _logger, []);

        Assert.Equal([$"tcp://127.0.0.1:{Port}", "unix://" + socket], set.Listeners.Select(l => l.Address));
        Assert.Equal(["tls", "unix"], set.Listeners.Select(l => l.Transport));
        Assert.Empty(set.InfoWarnings);
        Assert.NotNull(set.Tls);
    }

    [Fact]
    public void TlsWithoutVerify_NonLoopback_StartsWithHttpsNotice()
    {
        var settings = WithTls(Hosts($"tcp://0.0.0.0:{Port}"), verify: false);

        using var set = ListenerSet.Create(settings, _logger, []);

        Assert.StartsWith($"[DEPRECATION NOTICE]: API is accessible on https://0.0.0.0:{Port} without TLS client verification.", Assert.Single(set.InfoWarnings));
        Assert.Contains("does not verify clients", _log.ToString());
    }

    [Fact]
    public void Dispose_RemovesUnixSocketFiles()
    {
        string socket = Path.Combine(_dir, "c.sock");
        var set = ListenerSet.Create(Hosts("unix://" + socket, "unix://" + socket) with { Group = "0" }, _logger, []);
        Assert.Single(set.Listeners);
        Assert.True(File.Exists(socket));

        set.Dispose();

        Assert.False(File.Exists(socket));
    }

    public void Dispose() => Directory.Delete(_dir, true);
}
