using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Moat.Security.Pki;

/// <summary>A private key of one of the <see cref="KeyAlgorithm"/>s: signs certificates and CRLs, exports PKCS#8 PEM.</summary>
public sealed class PkiKey : IDisposable
{
    public const string EcPublicKeyOid = "1.2.840.10045.2.1";
    public const string RsaOid = "1.2.840.113549.1.1.1";
    public const string Ed25519Oid = "1.3.101.112";

    private readonly ECDsa? _ecdsa;
    private readonly RSA? _rsa;
    private readonly byte[]? _ed25519Seed;

    private PkiKey(KeyAlgorithm algorithm, ECDsa? ecdsa, RSA? rsa, byte[]? ed25519Seed)
    {
        Algorithm = algorithm;
        _ecdsa = ecdsa;
        _rsa = rsa;
        _ed25519Seed = ed25519Seed;
    }

    public KeyAlgorithm Algorithm { get; }

    /// <summary>The hash named in signatures (Ed25519 hashes internally; the name is ignored there).</summary>
    public HashAlgorithmName Hash => HashAlgorithmName.SHA256;

    public static PkiKey Generate(KeyAlgorithm algorithm) => algorithm switch
    {
        KeyAlgorithm.EcdsaP256 => new PkiKey(algorithm, ECDsa.Create(ECCurve.NamedCurves.nistP256), null, null),
        KeyAlgorithm.Rsa3072 => new PkiKey(algorithm, null, RSA.Create(3072), null),
        KeyAlgorithm.Ed25519 => new PkiKey(algorithm, null, null, RandomNumberGenerator.GetBytes(Moat.Linux.Crypto.Ed25519.SeedSize)),
        _ => throw new PkiException($"unsupported key algorithm {algorithm}"),
    };

    /// <summary>Reads a PKCS#8 "PRIVATE KEY" PEM (or the SEC1/PKCS#1 forms for EC and RSA).</summary>
    public static PkiKey ImportPem(string pem)
    {
        if (!PemEncoding.TryFind(pem, out var fields)) throw new PkiException("no PEM private key found");
        string label = pem[fields.Label];
        try
        {
            byte[] der = Convert.FromBase64String(pem[fields.Base64Data]);
            switch (label)
            {
                case "EC PRIVATE KEY":
                    {
                        var ec = ECDsa.Create();
                        ec.ImportECPrivateKey(der, out _);
                        return new PkiKey(KeyAlgorithm.EcdsaP256, ec, null, null);
                    }
                case "RSA PRIVATE KEY":
                    {
                        var rsa = RSA.Create();
                        rsa.ImportRSAPrivateKey(der, out _);
                        return new PkiKey(KeyAlgorithm.Rsa3072, null, rsa, null);
                    }
                case "PRIVATE KEY":
                    return ImportPkcs8(der);
                default:
                    throw new PkiException($"unsupported private key PEM \"{label}\"");
            }
        }
        catch (Exception e) when (e is CryptographicException or AsnContentException or FormatException)
        {
            throw new PkiException($"cannot read private key: {e.Message}", e);
        }
    }

    private static PkiKey ImportPkcs8(byte[] der)
    {
        var reader = new AsnReader(der, AsnEncodingRules.DER).ReadSequence();
        reader.ReadInteger();
        var algorithm = reader.ReadSequence();
        string oid = algorithm.ReadObjectIdentifier();
        switch (oid)
        {
            case EcPublicKeyOid:
                {
                    var ec = ECDsa.Create();
                    ec.ImportPkcs8PrivateKey(der, out _);
                    return new PkiKey(KeyAlgorithm.EcdsaP256, ec, null, null);
                }
            case RsaOid:
                {
                    var rsa = RSA.Create();
                    rsa.ImportPkcs8PrivateKey(der, out _);
                    return new PkiKey(KeyAlgorithm.Rsa3072, null, rsa, null);
                }
            case Ed25519Oid:
                {
                    var inner = new AsnReader(reader.ReadOctetString(), AsnEncodingRules.DER).ReadOctetString();
                    if (inner.Length != Moat.Linux.Crypto.Ed25519.SeedSize) throw new PkiException("bad Ed25519 private key length");
                    return new PkiKey(KeyAlgorithm.Ed25519, null, null, inner);
                }
            default:
                throw new PkiException($"unsupported private key algorithm {oid}");
        }
    }

    public string ExportPkcs8Pem()
    {
        if (_ecdsa is not null) return _ecdsa.ExportPkcs8PrivateKeyPem();
        if (_rsa is not null) return _rsa.ExportPkcs8PrivateKeyPem();
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            writer.WriteInteger(0);
            using (writer.PushSequence()) writer.WriteObjectIdentifier(Ed25519Oid);
            var seed = new AsnWriter(AsnEncodingRules.DER);
            seed.WriteOctetString(_ed25519Seed);
            writer.WriteOctetString(seed.Encode());
        }
        return PemEncoding.WriteString("PRIVATE KEY", writer.Encode()) + "\n";
    }

    public X509SignatureGenerator SignatureGenerator() =>
        _ecdsa is not null ? X509SignatureGenerator.CreateForECDsa(_ecdsa)
        : _rsa is not null ? X509SignatureGenerator.CreateForRSA(_rsa, RSASignaturePadding.Pkcs1)
        : new Ed25519SignatureGenerator(_ed25519Seed!);

    public PublicKey PublicKey() => SignatureGenerator().PublicKey;

    /// <summary>A CertificateRequest for <paramref name="subject"/> with this key as the subject key.</summary>
    public CertificateRequest Request(X500DistinguishedName subject) =>
        _ecdsa is not null ? new CertificateRequest(subject, _ecdsa, Hash)
        : _rsa is not null ? new CertificateRequest(subject, _rsa, Hash, RSASignaturePadding.Pkcs1)
        : new CertificateRequest(subject, PublicKey(), Hash);

    /// <summary>Whether this private key belongs to <paramref name="certificate"/>.</summary>
    public bool Matches(X509Certificate2 certificate) =>
        certificate.PublicKey.ExportSubjectPublicKeyInfo().AsSpan().SequenceEqual(PublicKey().ExportSubjectPublicKeyInfo());

    public void Dispose()
    {
        _ecdsa?.Dispose();
        _rsa?.Dispose();
        if (_ed25519Seed is not null) CryptographicOperations.ZeroMemory(_ed25519Seed);
    }
}
