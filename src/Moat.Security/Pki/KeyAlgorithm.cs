namespace Moat.Security.Pki;

/// <summary>Key types `moat pki` makes. ECDSA P-256 is the default: small, fast, and every TLS stack speaks it.</summary>
public enum KeyAlgorithm
{
    EcdsaP256,
    Rsa3072,
    Ed25519,
}

/// <summary>Names of <see cref="KeyAlgorithm"/> on the command line.</summary>
public static class KeyAlgorithmNames
{
    public static KeyAlgorithm Parse(string name) => name.ToLowerInvariant() switch
    {
        "ecdsa" or "ecdsa-p256" or "p256" or "p-256" or "ec" => KeyAlgorithm.EcdsaP256,
        "rsa" or "rsa3072" or "rsa-3072" => KeyAlgorithm.Rsa3072,
        "ed25519" => KeyAlgorithm.Ed25519,
        _ => throw new PkiException($"unknown key algorithm \"{name}\" (use ecdsa, rsa or ed25519)"),
    };

    public static string Name(KeyAlgorithm algorithm) => algorithm switch
    {
        KeyAlgorithm.EcdsaP256 => "ecdsa-p256",
        KeyAlgorithm.Rsa3072 => "rsa-3072",
        KeyAlgorithm.Ed25519 => "ed25519",
        _ => algorithm.ToString(),
    };
}
