using System.Security.Cryptography.X509Certificates;

namespace Moat.Security.Pki;

/// <summary>The warning moatd logs at start and reload, and shows in `docker info` Warnings, for a server certificate near its end.</summary>
public static class CertificateExpiry
{
    public static readonly TimeSpan DefaultThreshold = TimeSpan.FromDays(30);

    /// <summary>The warning text when <paramref name="certificate"/> expires within the threshold (default 30 days) or has expired; else null.</summary>
    public static string? Warning(X509Certificate2 certificate, DateTimeOffset now, TimeSpan? threshold = null)
    {
        var notAfter = new DateTimeOffset(certificate.NotAfter.ToUniversalTime(), TimeSpan.Zero);
        var left = notAfter - now;
        if (left >= (threshold ?? DefaultThreshold)) return null;
        string who = $"\"{certificate.GetNameInfo(X509NameType.SimpleName, false)}\" (serial {certificate.SerialNumber})";
        string when = notAfter.ToString("yyyy-MM-dd HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);
        if (left <= TimeSpan.Zero)
            return $"WARNING: the TLS server certificate {who} expired on {when}; clients will refuse it. Make a new one with `moat pki server` and reload moatd";
        int days = (int)Math.Floor(left.TotalDays);
        string within = days == 0 ? "in less than a day" : days == 1 ? "in 1 day" : $"in {days} days";
        return $"WARNING: the TLS server certificate {who} expires on {when} ({within}). Make a new one with `moat pki server` and reload moatd";
    }
}
