using Moat.Security.Pki;

namespace Moat.Security.Tests.Pki;

public sealed class CertificateExpiryTests : IDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 6, 1, 12, 0, 0, TimeSpan.Zero);
    private readonly PkiTestDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private System.Security.Cryptography.X509Certificates.X509Certificate2 Server(int days)
    {
        using var ca = CertificateAuthority.Init(_dir.Combine("ca"), new CaOptions(), Now);
        return ca.IssueServer(new ServerCertificateOptions { DnsNames = ["moat.example"], Days = days, NotBefore = Now }, Now).Certificate;
    }

    [Fact]
    public void Warning_MoreThan30DaysLeft_Null()
    {
        Assert.Null(CertificateExpiry.Warning(Server(31), Now));
    }

    [Fact]
    public void Warning_10DaysLeft_SaysWhenAndHowToRenew()
    {
        string? warning = CertificateExpiry.Warning(Server(10), Now);

        Assert.NotNull(warning);
        Assert.StartsWith("WARNING: the TLS server certificate \"moat.example\"", warning);
        Assert.Contains("2026-06-11 12:00:00Z (in 10 days)", warning);
        Assert.Contains("moat pki server", warning);
    }

    [Fact]
    public void Warning_Expired_SaysExpired()
    {
        string? warning = CertificateExpiry.Warning(Server(1), Now.AddDays(3));

        Assert.NotNull(warning);
        Assert.Contains("expired on 2026-06-02 12:00:00Z", warning);
    }

    [Fact]
    public void Warning_CustomThreshold_Honoured()
    {
        Assert.NotNull(CertificateExpiry.Warning(Server(40), Now, TimeSpan.FromDays(60)));
    }
}
