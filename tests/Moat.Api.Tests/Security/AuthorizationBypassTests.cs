using System.Text;
using Moat.Security.Audit;

namespace Moat.Api.Tests.Security;

/// <summary>
/// Every known authorization bypass of dockerd's plugin chain (docker-daemon-semantics.md §3.3), sent with a raw
/// HTTP client at the real pipeline: the decision is always made on the object the handler executes.
/// </summary>
public sealed class AuthorizationBypassTests : IAsyncLifetime
{
    private SecureApiHost _host = null!;

    private const string Privileged = """{"Image":"busybox","HostConfig":{"Privileged":true}}""";
    private const string PrivilegedDenied = "authorization denied by policy: role tester: privileged containers are not allowed";

    public async ValueTask InitializeAsync() => _host = await SecureApiHost.StartAsync();
    public async ValueTask DisposeAsync() => await _host.DisposeAsync();

    private void AssertNoPrivilegedCreate() => Assert.DoesNotContain(_host.Created, f => f.Privileged);

    [Fact]
    public async Task Create_Plain_Allowed()
    {
        var r = await _host.SendTcpAsync(RawHttp.Post("/v1.50/containers/create", """{"Image":"busybox"}"""));

        Assert.Equal(201, r.Status);
        Assert.Single(_host.Created);
    }

    [Fact]
    public async Task Create_PrivilegedFixedLength_Denied403WithRule()
    {
        var r = await _host.SendTcpAsync(RawHttp.Post("/v1.50/containers/create", Privileged));

        Assert.Equal(403, r.Status);
        Assert.Equal(PrivilegedDenied, r.Message);
        AssertNoPrivilegedCreate();
    }

    [Fact]
    public async Task Create_PrivilegedChunked_Denied()
    {
        var r = await _host.SendTcpAsync(RawHttp.PostChunked("/v1.50/containers/create", Privileged));

        Assert.Equal(403, r.Status);
        Assert.Contains(PrivilegedDenied, r.Message);
        AssertNoPrivilegedCreate();
    }

    [Fact]
    public async Task Create_ContentLengthZeroWithBody_BodyNeverExecuted()
    {
        string request = $"POST /v1.50/containers/create HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 0\r\n\r\n{Privileged}";

        var r = await _host.SendTcpAsync(request);

        Assert.Equal(201, r.Status);
        AssertNoPrivilegedCreate();
    }

    [Fact]
    public async Task Create_ShortContentLength_TruncatedBodyRejected()
    {
        string request = $"POST /v1.50/containers/create HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 12\r\nConnection: close\r\n\r\n{Privileged}";

        var r = await _host.SendTcpAsync(request);

        Assert.Equal(400, r.Status);
        AssertNoPrivilegedCreate();
        Assert.Empty(_host.Created);
    }

    [Fact]
    public async Task Create_ChunkedPlusContentLength_NeverPrivileged()
    {
        string chunked = RawHttp.PostChunked("/v1.50/containers/create", Privileged).Replace("Transfer-Encoding: chunked\r\n", "Transfer-Encoding: chunked\r\nContent-Length: 2\r\n");

        var r = await _host.SendTcpAsync(chunked);

        Assert.True(r.Status is 400 or 403, r.Raw);
        AssertNoPrivilegedCreate();
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Create_PrivilegedPaddedOver1MiB_DecodedAndDenied(bool chunked)
    {
        string padded = Privileged[..^1] + ",\"Padding\":\"" + new string('x', 1_100_000) + "\"}" + new string(' ', 200_000);

        var r = await _host.SendTcpAsync(chunked ? RawHttp.PostChunked("/v1.50/containers/create", padded, 64 * 1024) : RawHttp.Post("/v1.50/containers/create", padded));

        Assert.Equal(403, r.Status);
        Assert.Contains(PrivilegedDenied, r.Message);
        AssertNoPrivilegedCreate();
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Create_BodyOverHardLimit_Rejected400(bool chunked)
    {
        string padded = Privileged[..^1] + ",\"Padding\":\"" + new string('x', 4_300_000) + "\"}";

        var r = await _host.SendTcpAsync(chunked ? RawHttp.PostChunked("/v1.50/containers/create", padded, 64 * 1024) : RawHttp.Post("/v1.50/containers/create", padded));

        Assert.Equal(400, r.Status);
        Assert.Contains("request body is too large", r.Message);
        Assert.Empty(_host.Created);
    }

    [Theory]
    [InlineData("""{"Image":"busybox","HostConfig":{"Privileged":false,"Privileged":true}}""", "duplicate key \"Privileged\"")]
    [InlineData("""{"Image":"busybox","HostConfig":{"Privileged":false,"privileged":true}}""", "ignoring case")]
    [InlineData("""{"Image":"busybox","hostconfig":{"Privileged":true},"HostConfig":{}}""", "ignoring case")]
    [InlineData("""{"Image":"busybox","HostConfig":{"Binds":["/a:/a"],"Binds":["/:/host"]}}""", "duplicate key")]
    [InlineData("""{"Image":"busybox","HostConfig":{"\u0050rivileged":false,"Privileged":true}}""", "duplicate key")]
    public async Task Create_AmbiguousKeys_Rejected400BeforeAnyoneSeesThem(string body, string expected)
    {
        var r = await _host.SendTcpAsync(RawHttp.Post("/v1.50/containers/create", body));

        Assert.Equal(400, r.Status);
        Assert.Contains(expected, r.Message);
        Assert.Empty(_host.Created);
    }

    [Fact]
    public async Task Create_CaseVariantSingleKey_DecodedLikeGoAndDenied()
    {
        var r = await _host.SendTcpAsync(RawHttp.Post("/v1.50/containers/create", """{"image":"busybox","hostconfig":{"privileged":true}}"""));

        Assert.Equal(403, r.Status);
        AssertNoPrivilegedCreate();
    }

    [Theory]
    [InlineData("/v1.50/containers/json")]
    [InlineData("/containers/json")]
    [InlineData("/%63ontainers/json")]
    [InlineData("/containers/json?all=1&x=/../../images/json")]
    public async Task Path_Spellings_ResolveToTheRoutedAction(string target)
    {
        var r = await _host.SendTcpAsync(RawHttp.Get(target));

        Assert.Equal(200, r.Status);
        Assert.StartsWith("{\"OwnerFilter\":", r.Body);
    }

    /// <summary>Unclean spellings run nothing: dockerd's router answers 301 to the clean path, a trailing slash is 404.</summary>
    [Theory]
    [InlineData("//containers//json", 301)]
    [InlineData("/v1.50/./containers/json", 301)]
    [InlineData("/v1.50/images/../containers/json", 301)]
    [InlineData("/containers/json/", 404)]
    public async Task Path_UncleanSpellings_RunNothing(string target, int status)
    {
        var r = await _host.SendTcpAsync(RawHttp.Get(target));

        Assert.Equal(status, r.Status);
        Assert.DoesNotContain("OwnerFilter", r.Body);
        Assert.Empty(_host.Ran);
    }

    [Theory]
    [InlineData("/v1.50/containers/abc/pause?x=/start")]
    [InlineData("/v1.50/containers/abc/pause?x=%2Fstart")]
    [InlineData("/v1.50/containers%2Fabc%2Fpause")]
    public async Task Path_TricksTowardsAllowedAction_DeniedAsTheRoutedOne(string target)
    {
        var r = await _host.SendTcpAsync($"POST {target} HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");

        Assert.Equal(403, r.Status);
        Assert.Contains("authorization denied by policy: no role of anonymous caller allows container.pause", r.Message);
        Assert.Empty(_host.Ran);
    }

    [Theory]
    [InlineData("/containers/abc/start/../pause", 301)]
    [InlineData("/v1.50/containers/abc/./pause", 301)]
    [InlineData("/v1.50/containers/abc/pause/", 404)]
    public async Task Path_UncleanTricksTowardsAllowedAction_RunNothing(string target, int status)
    {
        var r = await _host.SendTcpAsync($"POST {target} HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");

        Assert.Equal(status, r.Status);
        Assert.Empty(_host.Ran);
    }

    [Fact]
    public async Task Path_AllowedAction_Runs()
    {
        var r = await _host.SendTcpAsync("POST /v1.50/containers/abc/start HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");

        Assert.Equal(204, r.Status);
        Assert.Equal(["start abc"], _host.Ran);
    }

    [Fact]
    public async Task Head_OnGetOnlyRoute_IsNotFoundAsInDockerd()
    {
        var r = await _host.SendTcpAsync(RawHttp.Get("/v1.50/containers/json", "HEAD"));

        Assert.Equal(404, r.Status);
        Assert.Empty(_host.Ran);
    }

    [Fact]
    public async Task Delete_NotGranted_Denied()
    {
        var r = await _host.SendTcpAsync(RawHttp.Get("/v1.50/containers/abc", "DELETE"));

        Assert.Equal(403, r.Status);
        Assert.Empty(_host.Ran);
    }

    [Fact]
    public async Task Hijack_AuthorizedBeforeUpgrade()
    {
        string request = "POST /v1.50/containers/abc/attach?stream=1&stdout=1 HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: tcp\r\nContent-Type: text/plain\r\nContent-Length: 0\r\n\r\n";

        var r = await _host.SendTcpAsync(request);

        Assert.Equal(403, r.Status);
        Assert.DoesNotContain("attached", r.Raw);
        Assert.Empty(_host.Ran);
    }

    [Fact]
    public async Task PingAndVersion_AlwaysAllowed_UnknownRoute404()
    {
        Assert.Equal(200, (await _host.SendTcpAsync(RawHttp.Get("/_ping"))).Status);
        Assert.Equal(200, (await _host.SendTcpAsync(RawHttp.Get("/v1.50/version"))).Status);
        Assert.Equal(404, (await _host.SendTcpAsync(RawHttp.Get("/v1.50/plugins"))).Status);
    }

    [Fact]
    public async Task UnixSocketRoot_IsAdministrator_AndNamedInAudit()
    {
        var r = await _host.SendUnixAsync(RawHttp.Post("/v1.50/containers/create", Privileged));

        Assert.Equal(201, r.Status);
        Assert.Contains("\"Owner\":\"root\"", r.Body);
        string log = await ReadAuditAsync();
        Assert.Contains("\"user\":\"root\"", log);
        Assert.Contains("\"auth\":\"peercred\",\"uid\":0,\"gid\":0,\"pid\":" + Environment.ProcessId, log);
        Assert.Contains("\"rule\":\"uid 0 is an administrator\"", log);
    }

    [Fact]
    public async Task Audit_OneEntryPerDecision_NoBodies_ChainIntact()
    {
        await _host.SendTcpAsync(RawHttp.Post("/v1.50/containers/create", """{"Image":"busybox","Env":["API_TOKEN=hunter2"],"HostConfig":{"Privileged":true}}"""));
        await _host.SendTcpAsync(RawHttp.Post("/v1.50/containers/create", """{"Image":"busybox","Env":["API_TOKEN=hunter2"]}""", "X-Registry-Auth: c2VjcmV0\r\n"));
        await _host.SendTcpAsync(RawHttp.Get("/_ping"));
        await _host.SendTcpAsync(RawHttp.Get("/v1.50/containers/json?filters=%7B%7D"));

        string log = await ReadAuditAsync(expectedRequests: 3);
        var requests = log.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => l.Contains("\"kind\":\"request\"")).ToList();
        Assert.Equal(3, requests.Count);
        Assert.Contains("\"action\":\"container.create\",\"decision\":\"deny\",\"rule\":\"role tester: privileged containers are not allowed\",\"status\":403", requests[0]);
        Assert.Contains("\"decision\":\"allow\",\"rule\":\"role tester allows container.create\",\"status\":201", requests[1]);
        Assert.Contains("\"action\":\"container.list\"", requests[2]);
        Assert.All(requests, l => Assert.Contains("\"user\":\"anonymous\",\"auth\":\"none\",\"transport\":\"tcp\",\"remote\":\"127.0.0.1:", l));
        Assert.DoesNotContain("hunter2", log);
        Assert.DoesNotContain("c2VjcmV0", log);
        Assert.DoesNotContain("API_TOKEN", log);
        var verification = AuditVerifier.Verify([_host.AuditPath]);
        Assert.True(verification.Intact, verification.ToString());
    }

    private async Task<string> ReadAuditAsync(int expectedRequests = 1)
    {
        // Reads are committed in the background; state changes before their answer. Wait briefly for reads.
        for (int i = 0; i < 100; i++)
        {
            using var f = new FileStream(_host.AuditPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            string text = await new StreamReader(f, Encoding.UTF8).ReadToEndAsync();
            if (text.Split('\n').Count(l => l.Contains("\"kind\":\"request\"")) >= expectedRequests) return text;
            await Task.Delay(20);
        }
        return File.ReadAllText(_host.AuditPath);
    }
}
