using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Moat.Daemon.Configuration;

namespace Moat.Daemon.Listeners;

/// <summary>
/// One loaded generation of the TLS files: the server certificate context and, when clients are verified, the CA
/// set they must chain to. Immutable; a reload builds a new one and swaps it in.
/// </summary>
public sealed class TlsMaterial
{
    private TlsMaterial(SslStreamCertificateContext context, X509Certificate2 certificate, X509Certificate2Collection? clientCas)
    {
        Context = context;
        Certificate = certificate;
        ClientCas = clientCas;
    }

    public SslStreamCertificateContext Context { get; }
    public X509Certificate2 Certificate { get; }
    /// <summary>null when client certificates are not verified (dockerd does not even read the CA then).</summary>
    public X509Certificate2Collection? ClientCas { get; }

    /// <summary>Loads cert, key and (with <paramref name="verifyClients"/>) the CA, with dockerd's error texts.</summary>
    /// <exception cref="ConfigurationException">Message starts with `invalid TLS configuration: `.</exception>
    public static TlsMaterial Load(string? certFile, string? keyFile, string? caFile, bool verifyClients)
    {
        string cert = certFile ?? "";
        string key = keyFile ?? "";
        X509Certificate2Collection? cas = null;
        if (verifyClients)
        {
            string ca = caFile ?? "";
            string pem;
            try { pem = File.ReadAllText(ca); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
            {
                throw Invalid($"could not read CA certificate \"{ca}\": {OpenError(ca, e)}");
            }
            cas = new X509Certificate2Collection();
            try { cas.ImportFromPem(pem); }
            catch (CryptographicException) { cas.Clear(); }
            if (cas.Count == 0) throw Invalid($"failed to append certificates from PEM file: \"{ca}\"");
        }

        foreach (var path in new[] { cert, key })
        {
            if (!File.Exists(path))
                throw Invalid($"could not load X509 key pair (cert: \"{cert}\", key: \"{key}\"): open {path}: no such file or directory");
        }
        X509Certificate2 leaf;
        var chain = new X509Certificate2Collection();
        try
        {
            leaf = X509Certificate2.CreateFromPemFile(cert, key);
            chain.ImportFromPemFile(cert);
        }
        catch (Exception e) when (e is CryptographicException or IOException or UnauthorizedAccessException or ArgumentException)
        {
            throw Invalid($"error reading X509 key pair - make sure the key is not encrypted (cert: \"{cert}\", key: \"{key}\"): {e.Message}");
        }
        var intermediates = new X509Certificate2Collection();
        foreach (var c in chain)
            if (c.Thumbprint != leaf.Thumbprint) intermediates.Add(c);
        var context = SslStreamCertificateContext.Create(leaf, intermediates, offline: true);
        return new TlsMaterial(context, leaf, cas);
    }

    private static string OpenError(string path, Exception e) => e switch
    {
        FileNotFoundException or DirectoryNotFoundException => $"open {path}: no such file or directory",
        UnauthorizedAccessException => $"open {path}: permission denied",
        _ => e.Message,
    };

    private static ConfigurationException Invalid(string detail) => new($"invalid TLS configuration: {detail}");
}
