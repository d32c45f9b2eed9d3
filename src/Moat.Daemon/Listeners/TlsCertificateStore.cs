using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;
using Moat.Daemon.Configuration;
using Moat.Security.Pki;

namespace Moat.Daemon.Listeners;

/// <summary>
/// The daemon's TLS server side, reloadable without a restart: every handshake asks <see cref="CreateServerOptions"/>
/// for the current generation, so new connections see a rotated certificate while established ones keep theirs.
/// Files are read by <see cref="TlsMaterial.Load"/> (dockerd's error texts). Policy (dockerd's table, hardened):
/// TLS 1.2+ (1.3 only with tls-min-version 1.3), AEAD ECDHE suites only, ALPN http/1.1, and with verification one
/// check, <see cref="ClientCertificateValidator"/>: a client certificate that chains to the configured CA only, valid
/// now, for clientAuth, and not listed in the "tlscrl" CRL (re-read when the file changes, so `moat pki revoke`
/// takes effect on the next handshake).
/// </summary>
public sealed partial class TlsCertificateStore
{
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly object _gate = new();
    private Generation _current;
    private TlsFileStamp _stamp;

    /// <exception cref="ConfigurationException">The files do not load; the message starts with `invalid TLS configuration: `.</exception>
    public TlsCertificateStore(DaemonSettings settings, ILogger logger, TimeProvider? time = null)
    {
        _logger = logger;
        _time = time ?? TimeProvider.System;
        Settings = settings;
        VerifyClients = settings.TlsVerify;
        _current = Build(settings);
        _stamp = TlsFileStamp.Read(settings);
        LogExpiry();
    }

    public DaemonSettings Settings { get; private set; }
    public bool VerifyClients { get; }

    /// <summary>The files in force.</summary>
    public TlsMaterial Current => Volatile.Read(ref _current).Material;

    /// <summary>The client check in force; null when clients are not verified.</summary>
    public ClientCertificateValidator? Validator => Volatile.Read(ref _current).Validator;

    /// <summary>The `docker info` warning when the server certificate expires within 30 days (or has expired); else null.</summary>
    public string? ExpiryWarning => CertificateExpiry.Warning(Current.Certificate, _time.GetUtcNow());

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
        var generation = Volatile.Read(ref _current);
        var options = new SslServerAuthenticationOptions
        {
            ServerCertificateContext = generation.Context,
            EnabledSslProtocols = Protocols(Settings.TlsMinVersion),
            CipherSuitesPolicy = CipherSuites,
            ApplicationProtocols = [SslApplicationProtocol.Http11],
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
            ClientCertificateRequired = VerifyClients,
            AllowRenegotiation = false,
        };
        if (generation.Validator is { } validator) options.RemoteCertificateValidationCallback = validator.Accept;
        return options;
    }

    /// <summary>Re-reads the files; a broken new set keeps the old one. Returns true when a new generation is live.</summary>
    public bool Reload(DaemonSettings settings, string reason)
    {
        lock (_gate)
        {
            var stamp = TlsFileStamp.Read(settings);
            try
            {
                var generation = Build(settings);
                Volatile.Write(ref _current, generation);
                _stamp = stamp;
                Settings = Settings with { TlsMinVersion = settings.TlsMinVersion };
                var certificate = generation.Material.Certificate;
                Log.Reloaded(_logger, reason, certificate.SerialNumber, certificate.NotAfter.ToUniversalTime().ToString("O"));
                LogExpiry();
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

    private Generation Build(DaemonSettings settings)
    {
        var material = TlsMaterial.Load(settings with { Tls = true, TlsVerify = VerifyClients })!;
        var context = SslStreamCertificateContext.Create(material.Certificate, material.Intermediates, offline: true);
        ClientCertificateValidator? validator = null;
        if (material.ClientCertificateAuthorities is { } cas)
        {
            CrlChecker? crl;
            try
            {
                crl = settings.TlsCrl is { } path ? new CrlChecker(path, cas) : null;
            }
            catch (PkiException e)
            {
                throw new ConfigurationException("invalid TLS configuration: " + e.Message);
            }
            if (crl is not null)
                crl.Reloaded += error =>
                {
                    if (error is null) Log.CrlReloaded(_logger, crl.Path);
                    else Log.CrlReloadFailed(_logger, error);
                };
            validator = new ClientCertificateValidator(cas, crl, _time);
            validator.Refused += check => Log.ClientRefused(_logger, check.Reason ?? "refused");
        }
        return new Generation(material, context, validator);
    }

    private void LogExpiry()
    {
        if (ExpiryWarning is { } warning) Log.CertificateExpiring(_logger, warning);
    }

    private sealed record Generation(TlsMaterial Material, SslStreamCertificateContext Context, ClientCertificateValidator? Validator);

    private static partial class Log
    {
        [LoggerMessage(EventId = 1201, Level = LogLevel.Information, Message = "TLS certificates reloaded ({Reason}): serial {Serial}, expires {NotAfter}")]
        public static partial void Reloaded(ILogger logger, string reason, string serial, string notAfter);

        [LoggerMessage(EventId = 1202, Level = LogLevel.Error, Message = "TLS certificates not reloaded, keeping the current ones: {Error}")]
        public static partial void ReloadFailed(ILogger logger, string error);

        [LoggerMessage(EventId = 1203, Level = LogLevel.Warning, Message = "{Warning}")]
        public static partial void CertificateExpiring(ILogger logger, string warning);

        [LoggerMessage(EventId = 1204, Level = LogLevel.Information, Message = "TLS handshake refused: {Reason}")]
        public static partial void ClientRefused(ILogger logger, string reason);

        [LoggerMessage(EventId = 1205, Level = LogLevel.Information, Message = "CRL reloaded from {Path}")]
        public static partial void CrlReloaded(ILogger logger, string path);

        [LoggerMessage(EventId = 1206, Level = LogLevel.Error, Message = "CRL not reloaded, keeping the current one: {Error}")]
        public static partial void CrlReloadFailed(ILogger logger, string error);
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
