using System.Security.Cryptography.X509Certificates;

namespace Moat.Security.Pki;

/// <summary>The outcome of checking a client certificate; <see cref="Reason"/> is for the daemon log.</summary>
public sealed record ClientCertificateCheck(bool Valid, string? Reason)
{
    public static readonly ClientCertificateCheck Ok = new(true, null);
    public static ClientCertificateCheck Refused(string reason) => new(false, reason);
}

/// <summary>
/// Decides a mutual-TLS handshake the way dockerd does (chain to a CA from tlscacert only, clientAuth usage,
/// validity now) plus revocation through <see cref="CrlChecker"/>. It builds the chain itself and ignores the
/// platform's verdict. Wire it as <c>sslOptions.RemoteCertificateValidationCallback = validator.Accept</c> (with
/// <c>ClientCertificateRequired = true</c>), or for Kestrel's https options as
/// <c>ClientCertificateValidation = (cert, chain, _) => validator.Validate(cert, chain).Valid</c>.
/// </summary>
public sealed class ClientCertificateValidator
{
    private readonly X509Certificate2Collection _trusted;
    private readonly CrlChecker? _crl;
    private readonly TimeProvider _time;

    public ClientCertificateValidator(X509Certificate2Collection trustedCas, CrlChecker? crl, TimeProvider? time = null)
    {
        if (trustedCas.Count == 0) throw new PkiException("no CA certificate to trust clients with");
        _trusted = trustedCas;
        _crl = crl;
        _time = time ?? TimeProvider.System;
    }

    public CrlChecker? Crl => _crl;

    /// <summary>Raised for every refused certificate, with the reason (for the daemon log).</summary>
    public event Action<ClientCertificateCheck>? Refused;

    /// <summary>tlscacert and, if given, tlscrl (loaded now: a bad CRL fails here, at start, not at the first client).</summary>
    public static ClientCertificateValidator FromFiles(string caCertificatesPath, string? crlPath, TimeProvider? time = null)
    {
        var trusted = LoadCaBundle(caCertificatesPath);
        return new ClientCertificateValidator(trusted, crlPath is null ? null : new CrlChecker(crlPath, trusted), time);
    }

    /// <summary>A <see cref="System.Net.Security.RemoteCertificateValidationCallback"/>.</summary>
    public bool Accept(object? sender, X509Certificate? certificate, X509Chain? presented, System.Net.Security.SslPolicyErrors errors)
    {
        var check = Validate(certificate as X509Certificate2 ?? (certificate is null ? null : new X509Certificate2(certificate)), presented);
        if (!check.Valid) Refused?.Invoke(check);
        return check.Valid;
    }

    /// <summary>Reads a PEM bundle of CA certificates (tlscacert).</summary>
    public static X509Certificate2Collection LoadCaBundle(string path)
    {
        var collection = new X509Certificate2Collection();
        try
        {
            collection.ImportFromPemFile(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException)
        {
            throw new PkiException($"cannot read CA certificates from {path}: {e.Message}", e);
        }
        if (collection.Count == 0) throw new PkiException($"no certificate in {path}");
        return collection;
    }

    /// <param name="presented">The chain the client sent; its intermediates may help, its roots are never trusted.</param>
    public ClientCertificateCheck Validate(X509Certificate2? certificate, X509Chain? presented = null)
    {
        if (certificate is null) return ClientCertificateCheck.Refused("no client certificate");
        var now = _time.GetUtcNow();
        if (now < certificate.NotBefore.ToUniversalTime())
            return ClientCertificateCheck.Refused($"client certificate {Describe(certificate)} is not valid before {certificate.NotBefore.ToUniversalTime():u}");
        if (now > certificate.NotAfter.ToUniversalTime())
            return ClientCertificateCheck.Refused($"client certificate {Describe(certificate)} expired {certificate.NotAfter.ToUniversalTime():u}");

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(_trusted);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.DisableCertificateDownloads = true;
        chain.ChainPolicy.VerificationTime = now.UtcDateTime;
        chain.ChainPolicy.ApplicationPolicy.Add(new System.Security.Cryptography.Oid(CertificateAuthority.ClientAuthOid));
        if (presented is not null)
            foreach (var element in presented.ChainElements)
                if (element.Certificate.Thumbprint != certificate.Thumbprint) chain.ChainPolicy.ExtraStore.Add(element.Certificate);
        if (!chain.Build(certificate))
        {
            string status = string.Join("; ", chain.ChainStatus.Select(s => s.StatusInformation.Trim()).Where(s => s.Length > 0).Distinct());
            var flags = chain.ChainStatus.Aggregate(X509ChainStatusFlags.NoError, (f, s) => f | s.Status);
            string reason = flags.HasFlag(X509ChainStatusFlags.UntrustedRoot) || flags.HasFlag(X509ChainStatusFlags.PartialChain)
                ? "is not signed by a trusted CA"
                : flags.HasFlag(X509ChainStatusFlags.NotValidForUsage) ? "is not valid for client authentication"
                : flags.HasFlag(X509ChainStatusFlags.NotTimeValid) ? "has expired or is not yet valid"
                : "does not verify";
            return ClientCertificateCheck.Refused($"client certificate {Describe(certificate)} {reason} ({status})");
        }
        if (_crl is not null)
        {
            if (_crl.IsRevoked(certificate))
                return ClientCertificateCheck.Refused($"client certificate {Describe(certificate)} is revoked");
            foreach (var element in chain.ChainElements.Skip(1))
                if (_crl.IsRevoked(element.Certificate))
                    return ClientCertificateCheck.Refused($"client certificate {Describe(certificate)} chains to revoked {Describe(element.Certificate)}");
        }
        return ClientCertificateCheck.Ok;
    }

    private static string Describe(X509Certificate2 certificate) =>
        $"\"{certificate.GetNameInfo(X509NameType.SimpleName, false)}\" (serial {certificate.SerialNumber})";
}
