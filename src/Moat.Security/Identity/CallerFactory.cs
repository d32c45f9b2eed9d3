using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Moat.Linux.Sockets;

namespace Moat.Security.Identity;

/// <summary>Builds a <see cref="Caller"/> from what the transport proves: peer credentials, a client certificate, or nothing.</summary>
public static class CallerFactory
{
    /// <summary>A unix-socket peer: SO_PEERCRED resolved through the account database.</summary>
    public static Caller FromUnixSocket(Socket socket, UnixAccounts accounts)
    {
        var cred = PeerCredentials.Get(socket);
        return FromPeer(cred.Uid, cred.Gid, cred.Pid, accounts);
    }

    public static Caller FromPeer(int uid, int gid, int pid, UnixAccounts accounts)
    {
        var account = accounts.Lookup(uid, gid);
        return new Caller
        {
            User = account.Name,
            Groups = account.Groups,
            Method = AuthMethod.PeerCredentials,
            Uid = uid,
            Gid = gid,
            Pid = pid,
            Transport = "unix",
        };
    }

    /// <summary>A verified client certificate: user = subject CN, groups = its O and OU values.</summary>
    public static Caller FromCertificate(X509Certificate2 certificate, EndPoint? remote)
    {
        string cn = certificate.GetNameInfo(X509NameType.SimpleName, forIssuer: false);
        var groups = new List<string>();
        foreach (var rdn in certificate.SubjectName.EnumerateRelativeDistinguishedNames())
        {
            string? oid = rdn.GetSingleElementType().Value;
            if (oid is "2.5.4.10" or "2.5.4.11")
            {
                string? value = rdn.GetSingleElementValue();
                if (!string.IsNullOrEmpty(value) && !groups.Contains(value)) groups.Add(value);
            }
        }
        return new Caller
        {
            User = cn.Length == 0 ? "anonymous" : cn,
            Groups = groups,
            Method = cn.Length == 0 ? AuthMethod.None : AuthMethod.Tls,
            CertificateSerial = certificate.SerialNumber.ToLowerInvariant(),
            CertificateFingerprint = Convert.ToHexStringLower(SHA256.HashData(certificate.RawData)),
            Transport = "tls",
            RemoteAddress = remote?.ToString(),
        };
    }

    /// <summary>Loopback TCP or TLS without client verification: nobody in particular.</summary>
    public static Caller Anonymous(string transport, EndPoint? remote) => Caller.Anonymous with
    {
        Transport = transport,
        RemoteAddress = remote?.ToString(),
    };
}
