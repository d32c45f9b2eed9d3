using System.Formats.Asn1;
using System.Numerics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace Moat.Daemon.Configuration;

/// <summary>
/// The server certificate, client CA bundle and CRL named by the settings, loaded and checked the way dockerd's
/// <c>newAPIServerTLSConfig</c> (go-connections <c>tlsconfig.Server</c>) does, with its error texts prefixed
/// <c>invalid TLS configuration: </c>. The one loader: <c>--validate</c>, the start-up check and the listeners'
/// <see cref="Listeners.TlsCertificateStore"/> (at start, on SIGHUP and when the files change) all use it.
/// </summary>
public sealed class TlsMaterial : IDisposable
{
    private TlsMaterial(X509Certificate2 certificate, X509Certificate2Collection intermediates, X509Certificate2Collection? clientCas, byte[]? crl)
    {
        Certificate = certificate;
        Intermediates = intermediates;
        ClientCertificateAuthorities = clientCas;
        Crl = crl;
    }

    /// <summary>The server certificate with its private key.</summary>
    public X509Certificate2 Certificate { get; }

    /// <summary>Further certificates in the tlscert file (the chain the server sends after its own).</summary>
    public X509Certificate2Collection Intermediates { get; }

    /// <summary>The only roots client certificates may chain to; null when clients are not verified.</summary>
    public X509Certificate2Collection? ClientCertificateAuthorities { get; }

    /// <summary>The CRL in DER form; null when <c>tlscrl</c> is not set.</summary>
    public byte[]? Crl { get; }

    /// <summary>Null when TLS is off; otherwise the loaded material or a <see cref="ConfigurationException"/>.</summary>
    public static TlsMaterial? Load(DaemonSettings settings)
    {
        if (!settings.Tls) return null;
        try
        {
            var (certificate, intermediates) = LoadKeyPair(settings.TlsCert ?? "", settings.TlsKey ?? "");
            X509Certificate2Collection? cas = null;
            if (settings.TlsVerify)
            {
                if (string.IsNullOrEmpty(settings.TlsCaCert))
                    throw new ConfigurationException("verifying client certificates needs a CA: set --tlscacert or \"tlscacert\" (moatd never trusts the system roots for clients)");
                cas = LoadCas(settings.TlsCaCert);
            }
            byte[]? crl = settings.TlsCrl is { } crlPath ? LoadCrl(crlPath) : null;
            return new TlsMaterial(certificate, intermediates, cas, crl);
        }
        catch (ConfigurationException e)
        {
            throw new ConfigurationException("invalid TLS configuration: " + e.Message);
        }
    }

    public void Dispose()
    {
        Certificate.Dispose();
        foreach (var c in Intermediates) c.Dispose();
        if (ClientCertificateAuthorities is not null)
        {
            foreach (var c in ClientCertificateAuthorities) c.Dispose();
        }
    }

    private static (X509Certificate2, X509Certificate2Collection) LoadKeyPair(string certPath, string keyPath)
    {
        string pair = $"(cert: {GoFormat.Quote(certPath)}, key: {GoFormat.Quote(keyPath)})";
        string certPem, keyPem;
        try
        {
            certPem = ReadText(certPath);
            keyPem = ReadText(keyPath);
        }
        catch (FileMissingException e)
        {
            throw new ConfigurationException($"could not load X509 key pair {pair}: {e.Message}");
        }
        catch (ConfigurationException e)
        {
            throw new ConfigurationException($"error reading X509 key pair - make sure the key is not encrypted {pair}: {e.Message}");
        }

        string? problem = null;
        if (!certPem.Contains("-----BEGIN CERTIFICATE-----", StringComparison.Ordinal)) problem = "tls: failed to find any PEM data in certificate input";
        else if (!keyPem.Contains("PRIVATE KEY-----", StringComparison.Ordinal)) problem = "tls: failed to find any PEM data in key input";
        else if (keyPem.Contains("ENCRYPTED", StringComparison.Ordinal)) problem = "tls: failed to parse private key";
        if (problem is null)
        {
            try
            {
                var leaf = X509Certificate2.CreateFromPem(certPem, keyPem);
                var all = new X509Certificate2Collection();
                all.ImportFromPem(certPem);
                var intermediates = new X509Certificate2Collection();
                foreach (var c in all)
                {
                    if (c.Thumbprint != leaf.Thumbprint) intermediates.Add(c);
                    else c.Dispose();
                }
                return (leaf, intermediates);
            }
            catch (Exception e) when (e is CryptographicException or ArgumentException)
            {
                // .NET: "The provided key does not match the public key for this certificate."
                problem = e.Message.Contains("match", StringComparison.OrdinalIgnoreCase) ? "tls: private key does not match public key" : "tls: failed to parse private key";
            }
        }
        throw new ConfigurationException($"error reading X509 key pair - make sure the key is not encrypted {pair}: {problem}");
    }

    private static X509Certificate2Collection LoadCas(string path)
    {
        string pem;
        try
        {
            pem = ReadText(path);
        }
        catch (Exception e) when (e is FileMissingException or ConfigurationException)
        {
            throw new ConfigurationException($"could not read CA certificate {GoFormat.Quote(path)}: {e.Message}");
        }
        var collection = new X509Certificate2Collection();
        try
        {
            collection.ImportFromPem(pem);
        }
        catch (CryptographicException)
        {
            collection.Clear();
        }
        if (collection.Count == 0) throw new ConfigurationException($"failed to append certificates from PEM file: {GoFormat.Quote(path)}");
        return collection;
    }

    private static byte[] LoadCrl(string path)
    {
        byte[] bytes;
        try
        {
            bytes = ReadBytes(path);
        }
        catch (Exception e) when (e is FileMissingException or ConfigurationException)
        {
            throw new ConfigurationException($"could not read CRL {GoFormat.Quote(path)}: {e.Message}");
        }
        byte[] der = bytes;
        string text = Encoding.ASCII.GetString(bytes);
        if (text.Contains("-----BEGIN X509 CRL-----", StringComparison.Ordinal))
        {
            if (!PemEncoding.TryFind(text, out var fields))
                throw new ConfigurationException($"could not parse CRL {GoFormat.Quote(path)}: bad PEM");
            der = Convert.FromBase64String(text[fields.Base64Data]);
        }
        try
        {
            CertificateRevocationListBuilder.Load(der, out BigInteger _);
        }
        catch (Exception e) when (e is CryptographicException or AsnContentException)
        {
            throw new ConfigurationException($"could not parse CRL {GoFormat.Quote(path)}: {e.Message}");
        }
        return der;
    }

    private static string ReadText(string path) => Encoding.UTF8.GetString(ReadBytes(path));

    /// <summary>Reads a file, turning OS errors into Go's texts (<c>open : no such file or directory</c>).</summary>
    private static byte[] ReadBytes(string path)
    {
        if (path.Length == 0 || !File.Exists(path) && !Directory.Exists(path)) throw new FileMissingException($"open {path}: no such file or directory");
        if (Directory.Exists(path)) throw new ConfigurationException($"read {path}: is a directory");
        try
        {
            var info = new FileInfo(path);
            if (info.Length > 4 * 1024 * 1024) throw new ConfigurationException($"read {path}: file too large");
            return File.ReadAllBytes(path);
        }
        catch (UnauthorizedAccessException)
        {
            throw new ConfigurationException($"open {path}: permission denied");
        }
        catch (FileNotFoundException)
        {
            throw new FileMissingException($"open {path}: no such file or directory");
        }
        catch (IOException e)
        {
            throw new ConfigurationException($"read {path}: {e.Message}");
        }
    }

    private sealed class FileMissingException(string message) : Exception(message);
}
