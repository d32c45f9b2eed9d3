using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Moat.Security.Identity;

namespace Moat.Security.Tests.Identity;

public sealed class CallerFactoryTests
{
    [Fact]
    public async Task FromUnixSocket_PeerIsThisProcess_UidAndPidFromKernel()
    {
        string dir = Directory.CreateTempSubdirectory("moat-peercred-").FullName;
        try
        {
            var endpoint = new UnixDomainSocketEndPoint(Path.Combine(dir, "s.sock"));
            using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            listener.Bind(endpoint);
            listener.Listen();
            using var client = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            await client.ConnectAsync(endpoint, TestContext.Current.CancellationToken);
            using var server = await listener.AcceptAsync(TestContext.Current.CancellationToken);

            var caller = CallerFactory.FromUnixSocket(server, UnixAccounts.System);

            Assert.Equal(Environment.ProcessId, caller.Pid);
            Assert.Equal((int)Linux.Getuid(), caller.Uid);
            Assert.Equal(AuthMethod.PeerCredentials, caller.Method);
            Assert.Equal("unix", caller.Transport);
            Assert.Equal(caller.Uid == 0, caller.IsRoot);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void FromCertificate_SubjectFields_BecomeUserAndGroups()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=alice, OU=dev, OU=ops, O=Example Corp", key, HashAlgorithmName.SHA256);
        using var cert = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddHours(1));

        var caller = CallerFactory.FromCertificate(cert, new IPEndPoint(IPAddress.Loopback, 5555));

        Assert.Equal("alice", caller.User);
        Assert.Equal(["Example Corp", "ops", "dev"], caller.Groups.OrderBy(g => g != "Example Corp").ThenByDescending(g => g));
        Assert.Equal(AuthMethod.Tls, caller.Method);
        Assert.Equal(cert.SerialNumber.ToLowerInvariant(), caller.CertificateSerial);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(cert.RawData)), caller.CertificateFingerprint);
        Assert.Equal("127.0.0.1:5555", caller.RemoteAddress);
        Assert.False(caller.IsRoot);
    }

    private static class Linux
    {
        [System.Runtime.InteropServices.DllImport("libc")]
        public static extern uint getuid();

        public static uint Getuid() => getuid();
    }
}
