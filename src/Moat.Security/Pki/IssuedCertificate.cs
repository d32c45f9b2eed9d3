using System.Security.Cryptography.X509Certificates;

namespace Moat.Security.Pki;

/// <summary>A certificate just made, with its private key in PEM (never stored in the PKI directory for clients).</summary>
public sealed record IssuedCertificate(X509Certificate2 Certificate, string CertificatePem, string PrivateKeyPem, PkiRecord Record);
