using Moat.Security.Pki;

namespace Moat.Security.Tests.Pki;

public sealed class PkiKeyTests
{
    [Theory]
    [InlineData(KeyAlgorithm.EcdsaP256)]
    [InlineData(KeyAlgorithm.Rsa3072)]
    [InlineData(KeyAlgorithm.Ed25519)]
    public void ExportThenImport_SamePublicKey(KeyAlgorithm algorithm)
    {
        using var key = PkiKey.Generate(algorithm);

        string pem = key.ExportPkcs8Pem();
        using var again = PkiKey.ImportPem(pem);

        Assert.StartsWith("-----BEGIN PRIVATE KEY-----", pem);
        Assert.Equal(algorithm, again.Algorithm);
        Assert.Equal(key.PublicKey().ExportSubjectPublicKeyInfo(), again.PublicKey().ExportSubjectPublicKeyInfo());
    }

    [Fact]
    public void Ed25519_SignatureVerifiesAndTamperedDataDoesNot()
    {
        byte[] seed = System.Security.Cryptography.RandomNumberGenerator.GetBytes(32);
        byte[] data = "moat"u8.ToArray();

        byte[] signature = Moat.Linux.Crypto.Ed25519.Sign(seed, data);
        byte[] publicKey = Moat.Linux.Crypto.Ed25519.PublicKeyFromSeed(seed);

        Assert.True(Moat.Linux.Crypto.Ed25519.Verify(publicKey, data, signature));
        Assert.False(Moat.Linux.Crypto.Ed25519.Verify(publicKey, "moaT"u8, signature));
    }

    [Fact]
    public void Ed25519_Rfc8032TestVector1()
    {
        // RFC 8032 §7.1, TEST 1: empty message.
        byte[] seed = Convert.FromHexString("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60");
        byte[] expectedPublic = Convert.FromHexString("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");

        Assert.Equal(expectedPublic, Moat.Linux.Crypto.Ed25519.PublicKeyFromSeed(seed));
        Assert.Equal(Convert.FromHexString(
            "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"),
            Moat.Linux.Crypto.Ed25519.Sign(seed, []));
    }

    [Theory]
    [InlineData("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")]
    [InlineData("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")]
    [InlineData("")]
    [InlineData("not pem at all")]
    public void ImportPem_NotAKey_Throws(string pem)
    {
        Assert.Throws<PkiException>(() => PkiKey.ImportPem(pem));
    }
}
