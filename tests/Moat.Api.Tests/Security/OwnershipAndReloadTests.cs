using Moat.Api.Contracts.SystemInfo;
using Moat.Api.Security;

namespace Moat.Api.Tests.Security;

public sealed class OwnershipAndReloadTests
{
    [Fact]
    public async Task OwnScope_ListIsFilteredToCaller_CreatesAreStamped()
    {
        await using var host = await SecureApiHost.StartAsync("""{"bindings":[{"role":"developer","anonymous":true}]}""");

        var list = await host.SendTcpAsync(RawHttp.Get("/v1.50/containers/json"));
        var create = await host.SendTcpAsync(RawHttp.Post("/v1.50/containers/create", """{"Image":"busybox"}"""));
        var forged = await host.SendTcpAsync(RawHttp.Post("/v1.50/containers/create", """{"Image":"busybox","Labels":{"moat.owner":"root"}}"""));

        Assert.Equal("{\"OwnerFilter\":\"anonymous\"}", list.Body);
        Assert.Contains("\"Owner\":\"anonymous\"", create.Body);
        Assert.Equal(403, forged.Status);
        Assert.Contains("label moat.owner is reserved", forged.Message);
    }

    [Fact]
    public async Task Reload_BrokenPolicy_KeepsOld_ValidPolicy_Applies()
    {
        await using var host = await SecureApiHost.StartAsync();
        Assert.Equal(403, (await host.SendTcpAsync(RawHttp.Get("/v1.50/containers/abc", "DELETE"))).Status);

        File.WriteAllText(host.PolicyPath, "{ not json");
        Assert.False(host.Store.Reload());
        Assert.Equal(200, (await host.SendTcpAsync(RawHttp.Get("/v1.50/containers/json"))).Status);

        File.WriteAllText(host.PolicyPath, """{"bindings":[{"role":"operator","anonymous":true}]}""");
        Assert.True(host.Store.Reload());
        Assert.Equal(204, (await host.SendTcpAsync(RawHttp.Get("/v1.50/containers/abc", "DELETE"))).Status);
    }

    [Fact]
    public async Task NoRole_EverythingButPingAndVersionDenied()
    {
        await using var host = await SecureApiHost.StartAsync("""{"bindings":[{"role":"admin","users":["root"]}]}""");

        var info = await host.SendTcpAsync(RawHttp.Get("/v1.50/info"));

        Assert.Equal(403, info.Status);
        Assert.Contains("authorization denied by policy: anonymous caller has no role", info.Message);
        Assert.Equal(200, (await host.SendTcpAsync(RawHttp.Get("/v1.50/version"))).Status);
    }

}
