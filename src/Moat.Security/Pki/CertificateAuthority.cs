using System.Net;
using System.Numerics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;

namespace Moat.Security.Pki;

/// <summary>
/// A certificate authority in one directory (mode 0700): ca.pem (0444), ca-key.pem (0400), index.json (0600),
/// crl.pem (0444) and certs/SERIAL.pem (0444). An open instance holds the directory's lock, so two `moat pki`
/// commands never interleave their index updates.
/// </summary>
public sealed class CertificateAuthority : IDisposable
{
    public const string CaCertificateFile = "ca.pem";
    public const string CaKeyFile = "ca-key.pem";
    public const string IndexFile = "index.json";
    public const string CrlFile = "crl.pem";
    public const string ServerCertificateFile = "server-cert.pem";
    public const string ServerKeyFile = "server-key.pem";
    public const string CertificatesFolder = "certs";
    public const int MaxDays = 36500;
    public const int MaxGroups = 32;
    /// <summary>X.520 upper bound for a common name or organization name.</summary>
    public const int MaxNameLength = 64;
    /// <summary>How long a CRL is valid (its nextUpdate); `moat pki crl` renews it.</summary>
    public static readonly TimeSpan CrlValidity = TimeSpan.FromDays(365);

    public const string ServerAuthOid = "1.3.6.1.5.5.7.3.1";
    public const string ClientAuthOid = "1.3.6.1.5.5.7.3.2";

    private readonly FileStream _lock;
    private readonly PkiKey _key;
    private PkiIndex _index;

    private CertificateAuthority(string directory, FileStream lockFile, X509Certificate2 certificate, PkiKey key, PkiIndex index)
    {
        Directory = directory;
        _lock = lockFile;
        Certificate = certificate;
        _key = key;
        _index = index;
    }

    public string Directory { get; }
    public X509Certificate2 Certificate { get; }
    public string CaCertificatePath => Path.Combine(Directory, CaCertificateFile);
    public string CrlPath => Path.Combine(Directory, CrlFile);
    public PkiIndex Index => _index;

    /// <summary>Makes a new CA in <paramref name="directory"/> (created 0700) and an empty CRL; refuses to replace one.</summary>
    public static CertificateAuthority Init(string directory, CaOptions options, DateTimeOffset now)
    {
        directory = Path.GetFullPath(directory);
        ValidateDays(options.Days);
        string name = ValidateName(options.CommonName, "CA name");
        System.IO.Directory.CreateDirectory(directory, AtomicFile.DirectoryMode);
        File.SetUnixFileMode(directory, AtomicFile.DirectoryMode);
        var lockFile = Lock(directory);
        try
        {
            if (File.Exists(Path.Combine(directory, CaCertificateFile)) || File.Exists(Path.Combine(directory, CaKeyFile)))
                throw new PkiException($"a CA already exists in {directory}");

            var key = PkiKey.Generate(options.Algorithm);
            var builder = new X500DistinguishedNameBuilder();
            builder.AddCommonName(name);
            var subject = builder.Build();
            var request = key.Request(subject);
            request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
            request.CertificateExtensions.Add(new X509KeyUsageExtension(
                X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign | X509KeyUsageFlags.DigitalSignature, true));
            var ski = new X509SubjectKeyIdentifierExtension(request.PublicKey, false);
            request.CertificateExtensions.Add(ski);
            request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromSubjectKeyIdentifier(ski));

            var notBefore = options.NotBefore ?? now.AddHours(-1);
            byte[] serial = NewSerial();
            var certificate = request.Create(subject, key.SignatureGenerator(), notBefore, notBefore.AddDays(options.Days), serial);

            var record = new PkiRecord
            {
                Serial = certificate.SerialNumber,
                Kind = "ca",
                Name = name,
                Subject = certificate.Subject,
                NotBefore = certificate.NotBefore.ToUniversalTime(),
                NotAfter = certificate.NotAfter.ToUniversalTime(),
            };
            var index = new PkiIndex { Certificates = [record] };
            // The key first: a ca.pem without its key would block a retry, a key without ca.pem does not.
            AtomicFile.WriteText(Path.Combine(directory, CaKeyFile), key.ExportPkcs8Pem(), AtomicFile.PrivateKeyMode);
            AtomicFile.WriteText(Path.Combine(directory, CaCertificateFile), certificate.ExportCertificatePem() + "\n", AtomicFile.CertificateMode);
            var ca = new CertificateAuthority(directory, lockFile, certificate, key, index);
            ca.SaveCertificate(certificate);
            ca.WriteCrl(now);
            return ca;
        }
        catch
        {
            lockFile.Dispose();
            throw;
        }
    }

    /// <summary>Opens the CA in <paramref name="directory"/>; a PkiException tells how to make one when there is none.</summary>
    public static CertificateAuthority Open(string directory)
    {
        directory = Path.GetFullPath(directory);
        string certPath = Path.Combine(directory, CaCertificateFile);
        if (!File.Exists(certPath))
            throw new PkiException($"no CA in {directory} (make one with `moat pki init --dir {directory}`)");
        var lockFile = Lock(directory);
        try
        {
            var certificate = X509Certificate2.CreateFromPem(File.ReadAllText(certPath));
            var key = PkiKey.ImportPem(File.ReadAllText(Path.Combine(directory, CaKeyFile)));
            if (!key.Matches(certificate)) throw new PkiException($"{CaKeyFile} does not belong to {CaCertificateFile} in {directory}");
            string indexPath = Path.Combine(directory, IndexFile);
            PkiIndex index = File.Exists(indexPath)
                ? JsonSerializer.Deserialize(File.ReadAllBytes(indexPath), PkiJsonContext.Default.PkiIndex) ?? new PkiIndex()
                : new PkiIndex();
            return new CertificateAuthority(directory, lockFile, certificate, key, index);
        }
        catch (Exception e) when (e is CryptographicException or JsonException or IOException)
        {
            lockFile.Dispose();
            throw new PkiException($"cannot open the CA in {directory}: {e.Message}", e);
        }
        catch
        {
            lockFile.Dispose();
            throw;
        }
    }

    /// <summary>A server certificate: CN and DNS SANs from the names, IP SANs, serverAuth.</summary>
    public IssuedCertificate IssueServer(ServerCertificateOptions options, DateTimeOffset now)
    {
        if (options.DnsNames.Count == 0) throw new PkiException("a server certificate needs a name (--name HOST)");
        if (options.Algorithm == KeyAlgorithm.Ed25519)
            throw new PkiException("moatd's TLS stack cannot serve with an Ed25519 key: make the server certificate with ecdsa or rsa (an Ed25519 CA may sign it)");
        var san = new SubjectAlternativeNameBuilder();
        var alternativeNames = new List<string>();
        foreach (var dns in options.DnsNames)
        {
            string name = ValidateDnsName(dns);
            san.AddDnsName(name);
            alternativeNames.Add("DNS:" + name);
        }
        foreach (var ip in options.IpAddresses)
        {
            if (!IPAddress.TryParse(ip, out var address)) throw new PkiException($"invalid IP address \"{ip}\"");
            san.AddIpAddress(address);
            alternativeNames.Add("IP:" + address);
        }
        var builder = new X500DistinguishedNameBuilder();
        builder.AddCommonName(options.DnsNames[0]);
        return Issue("server", options.DnsNames[0], [], alternativeNames, builder.Build(), options.Algorithm, options.Days,
            options.NotBefore, ServerAuthOid, san.Build(), now);
    }

    /// <summary>A client certificate: CN = the user, one O per group, clientAuth.</summary>
    public IssuedCertificate IssueClient(ClientCertificateOptions options, DateTimeOffset now)
    {
        string name = ValidateName(options.Name, "client name");
        if (options.Groups.Count > MaxGroups) throw new PkiException($"at most {MaxGroups} groups");
        var groups = options.Groups.Select(g => ValidateName(g, "group")).Distinct(StringComparer.Ordinal).ToList();
        var builder = new X500DistinguishedNameBuilder();
        // The builder encodes the last added first: this gives DER order O=g1, O=g2, …, CN=name.
        builder.AddCommonName(name);
        for (int i = groups.Count - 1; i >= 0; i--) builder.AddOrganizationName(groups[i]);
        return Issue("client", name, groups, [], builder.Build(), options.Algorithm, options.Days, options.NotBefore, ClientAuthOid, null, now);
    }

    private IssuedCertificate Issue(string kind, string name, IReadOnlyList<string> groups, IReadOnlyList<string> alternativeNames,
        X500DistinguishedName subject, KeyAlgorithm algorithm, int days, DateTimeOffset? notBefore, string usageOid,
        X509Extension? subjectAlternativeName, DateTimeOffset now)
    {
        ValidateDays(days);
        using var key = PkiKey.Generate(algorithm);
        var request = key.Request(subject);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        var usage = X509KeyUsageFlags.DigitalSignature;
        if (algorithm == KeyAlgorithm.Rsa3072) usage |= X509KeyUsageFlags.KeyEncipherment;
        request.CertificateExtensions.Add(new X509KeyUsageExtension(usage, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(new OidCollection { new Oid(usageOid) }, false));
        if (subjectAlternativeName is not null) request.CertificateExtensions.Add(subjectAlternativeName);
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        request.CertificateExtensions.Add(AuthorityKeyIdentifier());

        var start = notBefore ?? now.AddMinutes(-5);
        var certificate = request.Create(Certificate.SubjectName, _key.SignatureGenerator(), start, start.AddDays(days), NewSerial());
        var record = new PkiRecord
        {
            Serial = certificate.SerialNumber,
            Kind = kind,
            Name = name,
            Subject = certificate.Subject,
            Groups = groups,
            AlternativeNames = alternativeNames,
            NotBefore = certificate.NotBefore.ToUniversalTime(),
            NotAfter = certificate.NotAfter.ToUniversalTime(),
        };
        SaveCertificate(certificate);
        _index = _index with { Certificates = [.. _index.Certificates, record] };
        SaveIndex();
        return new IssuedCertificate(certificate, certificate.ExportCertificatePem() + "\n", key.ExportPkcs8Pem(), record);
    }

    /// <summary>
    /// Revokes every unrevoked certificate whose serial (hex, any case, leading zeros optional) or name is
    /// <paramref name="nameOrSerial"/>, then writes a new CRL. The CA itself cannot be revoked.
    /// </summary>
    public IReadOnlyList<PkiRecord> Revoke(string nameOrSerial, DateTimeOffset now)
    {
        string wanted = nameOrSerial.Trim();
        if (wanted.Length == 0) throw new PkiException("revoke needs a name or a serial number");
        string serial = wanted.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? wanted[2..] : wanted.Replace(":", "");
        var matches = _index.Certificates.Where(c => c.Kind != "ca" && SerialEquals(c.Serial, serial)).ToList();
        if (matches.Count == 0) matches = _index.Certificates.Where(c => c.Kind != "ca" && c.Name == wanted).ToList();
        if (matches.Count == 0)
        {
            if (_index.Certificates.Any(c => c.Kind == "ca" && (c.Name == wanted || SerialEquals(c.Serial, serial))))
                throw new PkiException("the CA certificate cannot be revoked; make a new CA with `moat pki init` in another directory");
            throw new PkiException($"no certificate named or numbered \"{wanted}\" (see `moat pki list`)");
        }
        var pending = matches.Where(c => c.RevokedAt is null).ToList();
        if (pending.Count == 0) throw new PkiException($"\"{wanted}\" is already revoked");

        var revokedAt = now.ToUniversalTime();
        var revoked = new List<PkiRecord>();
        var certificates = _index.Certificates.Select(c =>
        {
            if (!pending.Contains(c)) return c;
            var updated = c with { RevokedAt = revokedAt };
            revoked.Add(updated);
            return updated;
        }).ToList();
        _index = _index with { Certificates = certificates };
        SaveIndex();
        WriteCrl(now);
        return revoked;
    }

    /// <summary>Writes crl.pem: every revoked serial, the next CRL number, valid for <see cref="CrlValidity"/>.</summary>
    public void WriteCrl(DateTimeOffset now)
    {
        var builder = new CertificateRevocationListBuilder();
        foreach (var record in _index.Certificates.Where(c => c.RevokedAt is not null))
            builder.AddEntry(Convert.FromHexString(record.Serial), record.RevokedAt!.Value);
        long number = _index.CrlNumber + 1;
        byte[] crl = builder.Build(Certificate.SubjectName, _key.SignatureGenerator(), new BigInteger(number), now.Add(CrlValidity),
            _key.Hash, AuthorityKeyIdentifier(), now.AddMinutes(-5));
        _index = _index with { CrlNumber = number };
        SaveIndex();
        AtomicFile.WriteText(CrlPath, PemEncoding.WriteString("X509 CRL", crl) + "\n", AtomicFile.CertificateMode);
    }

    /// <summary>Writes the server certificate, its key and ca.pem where daemon.json will point.</summary>
    public static (string Cert, string Key, string Ca) WriteServerFiles(IssuedCertificate issued, string directory, string caPem)
    {
        System.IO.Directory.CreateDirectory(directory, AtomicFile.DirectoryMode);
        string cert = Path.Combine(directory, ServerCertificateFile);
        string key = Path.Combine(directory, ServerKeyFile);
        string ca = Path.Combine(directory, CaCertificateFile);
        AtomicFile.WriteText(key, issued.PrivateKeyPem, AtomicFile.PrivateKeyMode);
        AtomicFile.WriteText(cert, issued.CertificatePem, AtomicFile.CertificateMode);
        if (!File.Exists(ca)) AtomicFile.WriteText(ca, caPem, AtomicFile.CertificateMode);
        return (cert, key, ca);
    }

    /// <summary>Writes ca.pem, cert.pem and key.pem as the docker CLI wants them in DOCKER_CERT_PATH; never replaces a key.</summary>
    public static void WriteClientFiles(IssuedCertificate issued, string directory, string caPem)
    {
        System.IO.Directory.CreateDirectory(directory, AtomicFile.DirectoryMode);
        foreach (var existing in new[] { "cert.pem", "key.pem" })
            if (File.Exists(Path.Combine(directory, existing)))
                throw new PkiException($"{Path.Combine(directory, existing)} already exists; choose another --out or remove it");
        AtomicFile.WriteText(Path.Combine(directory, "key.pem"), issued.PrivateKeyPem, AtomicFile.PrivateKeyMode);
        AtomicFile.WriteText(Path.Combine(directory, "cert.pem"), issued.CertificatePem, AtomicFile.CertificateMode);
        AtomicFile.WriteText(Path.Combine(directory, "ca.pem"), caPem, AtomicFile.CertificateMode);
    }

    public string CaPem() => File.ReadAllText(CaCertificatePath);

    private X509AuthorityKeyIdentifierExtension AuthorityKeyIdentifier()
    {
        var ski = Certificate.Extensions.OfType<X509SubjectKeyIdentifierExtension>().FirstOrDefault()
            ?? new X509SubjectKeyIdentifierExtension(Certificate.PublicKey, false);
        return X509AuthorityKeyIdentifierExtension.CreateFromSubjectKeyIdentifier(ski);
    }

    private void SaveCertificate(X509Certificate2 certificate)
    {
        string folder = Path.Combine(Directory, CertificatesFolder);
        System.IO.Directory.CreateDirectory(folder, AtomicFile.DirectoryMode);
        AtomicFile.WriteText(Path.Combine(folder, certificate.SerialNumber + ".pem"), certificate.ExportCertificatePem() + "\n", AtomicFile.CertificateMode);
    }

    private void SaveIndex() =>
        AtomicFile.Write(Path.Combine(Directory, IndexFile), JsonSerializer.SerializeToUtf8Bytes(_index, PkiJsonContext.Default.PkiIndex), AtomicFile.StateMode);

    private static bool SerialEquals(string a, string b) =>
        b.Length > 0 && string.Equals(a.TrimStart('0'), b.TrimStart('0'), StringComparison.OrdinalIgnoreCase);

    /// <summary>16 random bytes, positive, with a non-zero first byte so DER keeps all 16.</summary>
    private static byte[] NewSerial()
    {
        byte[] serial = RandomNumberGenerator.GetBytes(16);
        serial[0] = (byte)((serial[0] & 0x3F) | 0x40);
        return serial;
    }

    private static FileStream Lock(string directory)
    {
        string path = Path.Combine(directory, ".lock");
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            try
            {
                return new FileStream(path, new FileStreamOptions
                {
                    Mode = FileMode.OpenOrCreate,
                    Access = FileAccess.ReadWrite,
                    Share = FileShare.None,
                    UnixCreateMode = AtomicFile.StateMode,
                });
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                Thread.Sleep(50);
            }
            catch (IOException e)
            {
                throw new PkiException($"{directory} is locked by another `moat pki` command", e);
            }
        }
    }

    private static void ValidateDays(int days)
    {
        if (days < 1 || days > MaxDays) throw new PkiException($"--days must be between 1 and {MaxDays}");
    }

    internal static string ValidateName(string value, string what)
    {
        if (string.IsNullOrWhiteSpace(value)) throw new PkiException($"the {what} must not be empty");
        if (value.Length > MaxNameLength) throw new PkiException($"the {what} \"{value[..16]}…\" is longer than {MaxNameLength} characters");
        if (value.Any(char.IsControl)) throw new PkiException($"the {what} must not contain control characters");
        if (value != value.Trim()) throw new PkiException($"the {what} \"{value}\" must not start or end with spaces");
        return value;
    }

    private static string ValidateDnsName(string value)
    {
        string name = ValidateName(value, "server name");
        if (IPAddress.TryParse(name, out _)) throw new PkiException($"\"{name}\" is an IP address: use --ip for it");
        foreach (var label in name.Split('.'))
        {
            bool ok = label.Length is > 0 and <= 63
                && (label == "*" || (label.All(c => char.IsAsciiLetterOrDigit(c) || c == '-') && label[0] != '-' && label[^1] != '-'));
            if (!ok) throw new PkiException($"invalid DNS name \"{name}\"");
        }
        return name;
    }

    public void Dispose()
    {
        _key.Dispose();
        _lock.Dispose();
    }
}
