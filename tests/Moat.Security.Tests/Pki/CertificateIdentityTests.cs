using Moat.Security.Identity;
using Moat.Security.Pki;

namespace Moat.Security.Tests.Pki;

public sealed class CertificateIdentityTests : IDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 6, 1, 12, 0, 0, TimeSpan.Zero);
    private readonly PkiTestDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void ToCaller_UserIsCnGroupsAreOrganizations()
    {
        using var ca = CertificateAuthority.Init(_dir.Combine("ca"), new CaOptions(), Now);
        var alice = ca.IssueClient(new ClientCertificateOptions { Name = "alice", Groups = ["dev", "ops"] }, Now);

        var caller = CertificateIdentity.ToCaller(alice.Certificate, "127.0.0.1:5000");

        Assert.Equal("alice", caller.User);
        Assert.Equal(["dev", "ops"], caller.Groups);
        Assert.Equal(AuthMethod.Tls, caller.Method);
        Assert.Equal("tls", caller.Transport);
        Assert.Equal(alice.Record.Serial, caller.CertificateSerial);
        Assert.Equal(64, caller.CertificateFingerprint!.Length);
        Assert.Equal("127.0.0.1:5000", caller.RemoteAddress);
        Assert.False(caller.IsRoot);
    }
}
