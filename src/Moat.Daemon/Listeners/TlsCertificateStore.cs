using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;
using Moat.Daemon.Configuration;

namespace Moat.Daemon.Listeners;

/// <summary>
/// The daemon's TLS server side, reloadable without a restart: every handshake asks <see cref="CreateServerOptions"/>
/// for the current generation, so new connections see a rotated certificate while established ones keep theirs.
/// Policy (dockerd's table, hardened): TLS 1.2+ (1.3 only with tls-min-version 1.3), AEAD ECDHE suites only,
/// ALPN http/1.1, and with verification a client certificate that chains to the configured CA only.
/// </summary>
public sealed partial class TlsCertificateStore
{
    private static readonly Oid ClientAuthEku = new("1.3.6.1.5.5.7.3.2");

    private readonly ILogger _logger;
    private readonly object _gate = new();
    private TlsMaterial _material;
    private TlsFileStamp _stamp;

    public TlsCertificateStore(DaemonSettings settings, ILogger logger)
    {
        _logger = logger;
        Settings = settings;
        VerifyClients = settings.TlsVerify;
        _material = TlsMaterial.Load(settings.TlsCert, settings.TlsKey, settings.TlsCaCert, VerifyClients);
        _stamp = TlsFileStamp.Read(settings);
    }

    public DaemonSettings Settings { get; private set; }
    public bool VerifyClients { get; }
    public TlsMaterial Current => Volatile.Read(ref _material);

    public static SslProtocols Protocols(string minVersion) =>
        minVersion == "1.3" ? SslProtocols.Tls13 : SslProtocols.Tls12 | SslProtocols.Tls13;

    public static CipherSuitesPolicy CipherSuites { get; } = new(
    [
        TlsCipherSuite.TLS_AES_128_GCM_SHA256,
        TlsCipherSuite.TLS_AES_256_GCM_SHA384,
        TlsCipherSuite.TLS_CHACHA20_POLY1305_SHA256,
        TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
        TlsCipherSuite.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
        TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
        TlsCipherSuite.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
        TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
        TlsCipherSuite.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
    ]);

    public SslServerAuthenticationOptions CreateServerOptions()
    {
        var material = Current;
        var options = new SslServerAuthenticationOptions
        {
            ServerCertificateContext = material.Context,
            EnabledSslProtocols = Protocols(Settings.TlsMinVersion),
            CipherSuitesPolicy = CipherSuites,
            ApplicationProtocols = [SslApplicationProtocol.Http11],
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
            ClientCertificateRequired = VerifyClients,
            AllowRenegotiation = false,
        };
        if (VerifyClients)
        {
            var cas = material.ClientCas!;
            options.RemoteCertificateValidationCallback = (_, certificate, chain, _) => ValidateClient(cas, certificate, chain);
        }
        return options;
    }

    /// <summary>
    /// Our own chain build against the configured CA only (no system roots), at the current time, for clientAuth.
    /// A certificate without EKU is accepted (Go's x509 does the same); one that lists EKUs must include clientAuth.
    /// </summary>
    public static bool ValidateClient(X509Certificate2Collection cas, X509Certificate? certificate, X509Chain? presented)
    {
        if (certificate is null) return false;
        var leaf = certificate as X509Certificate2 ?? new X509Certificate2(certificate);
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(cas);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.VerificationTime = DateTime.Now;
        chain.ChainPolicy.ApplicationPolicy.Add(ClientAuthEku);
        chain.ChainPolicy.DisableCertificateDownloads = true;
        if (presented is not null)
            foreach (var element in presented.ChainElements)
                if (element.Certificate.Thumbprint != leaf.Thumbprint) chain.ChainPolicy.ExtraStore.Add(element.Certificate);
        return chain.Build(leaf);
    }

    /// <summary>Re-reads the files; a broken new set keeps the old one. Returns true when a new generation is live.</summary>
    public bool Reload(DaemonSettings settings, string reason)
    {
        lock (_gate)
        {
            var stamp = TlsFileStamp.Read(settings);
            try
            {
                var material = TlsMaterial.Load(settings.TlsCert, settings.TlsKey, settings.TlsCaCert, VerifyClients);
                Volatile.Write(ref _material, material);
                _stamp = stamp;
                Settings = Settings with { TlsMinVersion = settings.TlsMinVersion };
                Log.Reloaded(_logger, reason, material.Certificate.SerialNumber, material.Certificate.NotAfter.ToUniversalTime().ToString("O"));
                return true;
            }
            catch (ConfigurationException e)
            {
                _stamp = stamp; // do not retry the same broken files every poll
                Log.ReloadFailed(_logger, e.Message);
                return false;
            }
        }
    }

    /// <summary>Called by the watcher: reloads when any of the files changed (mtime, size or inode).</summary>
    public bool ReloadIfChanged(DaemonSettings settings)
    {
        if (TlsFileStamp.Read(settings) == _stamp) return false;
        return Reload(settings, "files changed");
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1201, Level = LogLevel.Information, Message = "TLS certificates reloaded ({Reason}): serial {Serial}, expires {NotAfter}")]
        public static partial void Reloaded(ILogger logger, string reason, string serial, string notAfter);

        [LoggerMessage(EventId = 1202, Level = LogLevel.Error, Message = "TLS certificates not reloaded, keeping the current ones: {Error}")]
        public static partial void ReloadFailed(ILogger logger, string error);
    }
}

/// <summary>What the watcher compares to notice a rotation: (mtime, size, inode-ish) of the three files.</summary>
internal readonly record struct TlsFileStamp(string Cert, string Key, string Ca)
{
    public static TlsFileStamp Read(DaemonSettings s) => new(Of(s.TlsCert), Of(s.TlsKey), Of(s.TlsCaCert));

    private static string Of(string? path)
    {
        if (string.IsNullOrEmpty(path)) return "";
        var info = new FileInfo(path);
        return info.Exists ? $"{info.LastWriteTimeUtc.Ticks}:{info.Length}" : "missing";
    }
}
