using Moat.Daemon.Listeners;

namespace Moat.Daemon.Tests.Listeners;

public sealed class TransportPolicyTests
{
    [Fact]
    public void PlainTcp_NonLoopback_IsRefused_WithTlsAdvice()
    {
        var verdict = TransportPolicy.Check("tcp://0.0.0.0:2375", "0.0.0.0:2375", loopback: false, tls: false, verifyClients: false);

        Assert.NotNull(verdict.Refusal);
        Assert.Contains("--tlsverify", verdict.Refusal);
        Assert.Contains("--tlscacert", verdict.Refusal);
        Assert.Contains("moat pki", verdict.Refusal);
    }

    [Fact]
    public void PlainTcp_Loopback_StartsWithThreeWarnings_AndInfoNotice()
    {
        var verdict = TransportPolicy.Check("tcp://127.0.0.1:2375", "127.0.0.1:2375", loopback: true, tls: false, verifyClients: false);

        Assert.Null(verdict.Refusal);
        Assert.Equal([TransportPolicy.InsecureWarning, TransportPolicy.BrowserWarning, TransportPolicy.DeprecationWarning], verdict.LogWarnings);
        Assert.StartsWith("[DEPRECATION NOTICE]: API is accessible on http://127.0.0.1:2375 without encryption.\n         Access to the remote API is equivalent to root access", verdict.InfoWarning);
        Assert.EndsWith("\nIn future versions this will be a hard failure preventing the daemon from starting! Learn more at: https://docs.docker.com/go/api-security/", verdict.InfoWarning);
    }

    [Fact]
    public void TlsWithoutVerify_NonLoopback_StartsWithExtraWarning()
    {
        var verdict = TransportPolicy.Check("tcp://0.0.0.0:2376", "0.0.0.0:2376", loopback: false, tls: true, verifyClients: false);

        Assert.Null(verdict.Refusal);
        Assert.Equal(4, verdict.LogWarnings.Count);
        Assert.Contains("does not verify clients", verdict.LogWarnings[3]);
        Assert.StartsWith("[DEPRECATION NOTICE]: API is accessible on https://0.0.0.0:2376 without TLS client verification.", verdict.InfoWarning);
    }

    [Fact]
    public void MutualTls_IsQuiet()
    {
        var verdict = TransportPolicy.Check("tcp://0.0.0.0:2376", "0.0.0.0:2376", loopback: false, tls: true, verifyClients: true);

        Assert.Null(verdict.Refusal);
        Assert.Empty(verdict.LogWarnings);
        Assert.Null(verdict.InfoWarning);
    }

    [Theory]
    [InlineData("localhost", true)]
    [InlineData("LOCALHOST", true)]
    [InlineData("127.0.0.1", true)]
    [InlineData("127.1.2.3", true)]
    [InlineData("::1", true)]
    [InlineData("0.0.0.0", false)]
    [InlineData("::", false)]
    [InlineData("192.0.2.2", false)]
    public void LoopbackCheck_RecognizesLoopback(string host, bool expected)
    {
        Assert.Equal(expected, LoopbackCheck.IsLoopbackHost(host));
    }
}
