using System.Formats.Asn1;
using System.Numerics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Moat.Security.Pki;

/// <summary>
/// One parsed X.509 CRL (RFC 5280 §5): issuer, validity, CRL number and the revoked serials, with the signed
/// bytes kept so <see cref="VerifySignature"/> can check them against the issuing CA.
/// </summary>
public sealed class RevocationList
{
    /// <summary>A CRL file is read whole; this bounds it (about 200,000 entries).</summary>
    public const int MaxSize = 8 * 1024 * 1024;

    private readonly HashSet<string> _serials;
    private readonly byte[] _tbs;
    private readonly string _signatureOid;
    private readonly byte[] _signature;

    private RevocationList(X500DistinguishedName issuer, DateTimeOffset thisUpdate, DateTimeOffset? nextUpdate, BigInteger? number,
        HashSet<string> serials, byte[] tbs, string signatureOid, byte[] signature)
    {
        Issuer = issuer;
        ThisUpdate = thisUpdate;
        NextUpdate = nextUpdate;
        CrlNumber = number;
        _serials = serials;
        _tbs = tbs;
        _signatureOid = signatureOid;
        _signature = signature;
    }

    public X500DistinguishedName Issuer { get; }
    public DateTimeOffset ThisUpdate { get; }
    public DateTimeOffset? NextUpdate { get; }
    public BigInteger? CrlNumber { get; }
    /// <summary>Revoked serial numbers: upper-case hex without leading zeros.</summary>
    public IReadOnlyCollection<string> RevokedSerials => _serials;

    /// <summary>Parses every CRL in PEM ("X509 CRL" blocks) or one DER CRL.</summary>
    public static IReadOnlyList<RevocationList> ParseAll(ReadOnlySpan<byte> content)
    {
        if (content.Length > MaxSize) throw new PkiException($"CRL is larger than {MaxSize} bytes");
        if (content.Length > 0 && content[0] == 0x30) return [Parse(content)];
        string text = System.Text.Encoding.ASCII.GetString(content);
        var lists = new List<RevocationList>();
        var rest = text.AsSpan();
        while (PemEncoding.TryFind(rest, out var fields))
        {
            if (rest[fields.Label].SequenceEqual("X509 CRL"))
            {
                byte[] der;
                try { der = Convert.FromBase64String(rest[fields.Base64Data].ToString()); }
                catch (FormatException e) { throw new PkiException($"invalid CRL: {e.Message}", e); }
                lists.Add(Parse(der));
            }
            rest = rest[fields.Location.End..];
        }
        if (lists.Count == 0) throw new PkiException("no CRL found (expected PEM \"X509 CRL\" or DER)");
        return lists;
    }

    /// <summary>Parses one DER-encoded CertificateList.</summary>
    public static RevocationList Parse(ReadOnlySpan<byte> der)
    {
        try
        {
            var list = new AsnReader(der.ToArray(), AsnEncodingRules.DER);
            var certificateList = list.ReadSequence();
            list.ThrowIfNotEmpty();
            byte[] tbsBytes = certificateList.ReadEncodedValue().ToArray();
            var algorithm = certificateList.ReadSequence();
            string signatureOid = algorithm.ReadObjectIdentifier();
            byte[] signature = certificateList.ReadBitString(out int unused);
            if (unused != 0) throw new PkiException("CRL signature has unused bits");
            certificateList.ThrowIfNotEmpty();

            var tbs = new AsnReader(tbsBytes, AsnEncodingRules.DER).ReadSequence();
            if (tbs.PeekTag().HasSameClassAndValue(Asn1Tag.Integer)) tbs.ReadInteger();
            var innerAlgorithm = tbs.ReadSequence();
            if (innerAlgorithm.ReadObjectIdentifier() != signatureOid) throw new PkiException("CRL signature algorithms disagree");
            var issuer = new X500DistinguishedName(tbs.ReadEncodedValue().Span);
            var thisUpdate = ReadTime(tbs);
            DateTimeOffset? nextUpdate = null;
            if (tbs.HasData && IsTime(tbs.PeekTag())) nextUpdate = ReadTime(tbs);
            var serials = new HashSet<string>(StringComparer.Ordinal);
            if (tbs.HasData && tbs.PeekTag().HasSameClassAndValue(Asn1Tag.Sequence))
            {
                var entries = tbs.ReadSequence();
                while (entries.HasData)
                {
                    var entry = entries.ReadSequence();
                    serials.Add(NormalizeSerial(Convert.ToHexString(entry.ReadIntegerBytes().Span)));
                    ReadTime(entry);
                }
            }
            BigInteger? number = null;
            var extensionsTag = new Asn1Tag(TagClass.ContextSpecific, 0, isConstructed: true);
            if (tbs.HasData && tbs.PeekTag().HasSameClassAndValue(extensionsTag))
            {
                var extensions = tbs.ReadSequence(extensionsTag).ReadSequence();
                while (extensions.HasData)
                {
                    var extension = extensions.ReadSequence();
                    string oid = extension.ReadObjectIdentifier();
                    if (extension.PeekTag().HasSameClassAndValue(Asn1Tag.Boolean)) extension.ReadBoolean();
                    byte[] value = extension.ReadOctetString();
                    if (oid == "2.5.29.20") number = new AsnReader(value, AsnEncodingRules.DER).ReadInteger();
                }
            }
            return new RevocationList(issuer, thisUpdate, nextUpdate, number, serials, tbsBytes, signatureOid, signature);
        }
        catch (Exception e) when (e is AsnContentException or CryptographicException or FormatException)
        {
            throw new PkiException($"invalid CRL: {e.Message}", e);
        }
    }

    /// <summary>Whether <paramref name="issuer"/> (a CA certificate) signed this CRL and is named as its issuer.</summary>
    public bool VerifySignature(X509Certificate2 issuer)
    {
        if (!issuer.SubjectName.RawData.AsSpan().SequenceEqual(Issuer.RawData)) return false;
        HashAlgorithmName hash;
        switch (_signatureOid)
        {
            case "1.2.840.10045.4.3.2": hash = HashAlgorithmName.SHA256; goto ecdsa;
            case "1.2.840.10045.4.3.3": hash = HashAlgorithmName.SHA384; goto ecdsa;
            case "1.2.840.10045.4.3.4": hash = HashAlgorithmName.SHA512; goto ecdsa;
            case "1.2.840.113549.1.1.11": hash = HashAlgorithmName.SHA256; goto rsa;
            case "1.2.840.113549.1.1.12": hash = HashAlgorithmName.SHA384; goto rsa;
            case "1.2.840.113549.1.1.13": hash = HashAlgorithmName.SHA512; goto rsa;
            case PkiKey.Ed25519Oid:
                return issuer.PublicKey.Oid.Value == PkiKey.Ed25519Oid
                    && Moat.Linux.Crypto.Ed25519.Verify(issuer.PublicKey.EncodedKeyValue.RawData, _tbs, _signature);
            default:
                return false;
        }
    ecdsa:
        using (var ecdsa = issuer.GetECDsaPublicKey())
            return ecdsa is not null && ecdsa.VerifyData(_tbs, _signature, hash, DSASignatureFormat.Rfc3279DerSequence);
    rsa:
        using (var rsa = issuer.GetRSAPublicKey())
            return rsa is not null && rsa.VerifyData(_tbs, _signature, hash, RSASignaturePadding.Pkcs1);
    }

    /// <summary>Whether this CRL's issuer issued <paramref name="certificate"/> and lists its serial.</summary>
    public bool IsRevoked(X509Certificate2 certificate) =>
        certificate.IssuerName.RawData.AsSpan().SequenceEqual(Issuer.RawData)
        && _serials.Contains(NormalizeSerial(certificate.SerialNumber));

    public static string NormalizeSerial(string hex)
    {
        string trimmed = hex.Replace(":", "").TrimStart('0').ToUpperInvariant();
        return trimmed.Length == 0 ? "0" : trimmed;
    }

    private static bool IsTime(Asn1Tag tag) =>
        tag.HasSameClassAndValue(Asn1Tag.UtcTime) || tag.HasSameClassAndValue(Asn1Tag.GeneralizedTime);

    private static DateTimeOffset ReadTime(AsnReader reader) =>
        reader.PeekTag().HasSameClassAndValue(Asn1Tag.UtcTime) ? reader.ReadUtcTime() : reader.ReadGeneralizedTime();
}
