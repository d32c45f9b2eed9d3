using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Moat.Security.Pki;

/// <summary>Signs certificates and CRLs with Ed25519 (RFC 8410: algorithm id-Ed25519 without parameters, pure EdDSA).</summary>
internal sealed class Ed25519SignatureGenerator : X509SignatureGenerator
{
    private readonly byte[] _seed;

    public Ed25519SignatureGenerator(byte[] seed) => _seed = seed;

    public override byte[] GetSignatureAlgorithmIdentifier(HashAlgorithmName hashAlgorithm)
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence()) writer.WriteObjectIdentifier(PkiKey.Ed25519Oid);
        return writer.Encode();
    }

    public override byte[] SignData(byte[] data, HashAlgorithmName hashAlgorithm) => Moat.Linux.Crypto.Ed25519.Sign(_seed, data);

    protected override PublicKey BuildPublicKey()
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            using (writer.PushSequence()) writer.WriteObjectIdentifier(PkiKey.Ed25519Oid);
            writer.WriteBitString(Moat.Linux.Crypto.Ed25519.PublicKeyFromSeed(_seed));
        }
        return System.Security.Cryptography.X509Certificates.PublicKey.CreateFromSubjectPublicKeyInfo(writer.Encode(), out _);
    }
}
