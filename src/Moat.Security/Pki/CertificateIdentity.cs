using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Moat.Security.Identity;

namespace Moat.Security.Pki;

/// <summary>Who a verified client certificate names: the user is the CN (as dockerd's authz User), the groups its O values.</summary>
public static class CertificateIdentity
{
    public const string CommonNameOid = "2.5.4.3";
    public const string OrganizationOid = "2.5.4.10";

    public static Caller ToCaller(X509Certificate2 certificate, string? remoteAddress = null) => new()
    {
        User = CommonName(certificate) ?? "",
        Groups = Groups(certificate),
        Method = AuthMethod.Tls,
        Transport = "tls",
        RemoteAddress = remoteAddress,
        CertificateSerial = certificate.SerialNumber,
        CertificateFingerprint = Convert.ToHexStringLower(SHA256.HashData(certificate.RawData)),
    };

    public static string? CommonName(X509Certificate2 certificate) =>
        Values(certificate.SubjectName, CommonNameOid).LastOrDefault();

    public static IReadOnlyList<string> Groups(X509Certificate2 certificate) =>
        Values(certificate.SubjectName, OrganizationOid).Distinct(StringComparer.Ordinal).ToList();

    private static IEnumerable<string> Values(X500DistinguishedName name, string oid)
    {
        foreach (var rdn in name.EnumerateRelativeDistinguishedNames(reversed: false))
        {
            if (rdn.HasMultipleElements) continue;
            if (rdn.GetSingleElementType().Value == oid && rdn.GetSingleElementValue() is { } value) yield return value;
        }
    }
}
