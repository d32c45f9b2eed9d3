using Moat.Api.Tests.Containers;

namespace Moat.Api.Tests.Volumes;

public sealed class VolumeRoutesTests
{
    [Fact]
    public async Task CreateInspectListRemove()
    {
        using var api = new ApiHarness();
        var created = await api.SendAsync("POST", "/v1.50/volumes/create", """{"Name":"v1","Labels":{"a":"b"}}""");
        Assert.Equal(201, created.Status);
        Assert.Contains("\"Name\":\"v1\"", created.Body);
        Assert.Contains("\"Driver\":\"local\"", created.Body);
        Assert.Equal(200, (await api.SendAsync("GET", "/v1.50/volumes/v1")).Status);
        var list = await api.SendAsync("GET", "/v1.50/volumes?filters=%7B%22label%22%3A%5B%22a%3Db%22%5D%7D");
        Assert.Contains("\"Name\":\"v1\"", list.Body);
        Assert.Contains("\"Warnings\":[]", list.Body);
        Assert.Equal(204, (await api.SendAsync("DELETE", "/v1.50/volumes/v1")).Status);
        var missing = await api.SendAsync("GET", "/v1.50/volumes/v1");
        Assert.Equal(404, missing.Status);
        Assert.Contains("get v1: no such volume", missing.Body);
    }

    [Fact]
    public async Task Errors_AreDockerd()
    {
        using var api = new ApiHarness();
        Assert.Equal(400, (await api.SendAsync("POST", "/v1.50/volumes/create", """{"Name":"bad/name"}""")).Status);
        Assert.Equal(404, (await api.SendAsync("POST", "/v1.50/volumes/create", """{"Name":"v2","Driver":"nfs"}""")).Status);
        Assert.Equal(400, (await api.SendAsync("GET", "/v1.50/volumes?filters=%7B%22bogus%22%3A%5B%5D%7D")).Status);
        Assert.Equal(404, (await api.SendAsync("DELETE", "/v1.50/volumes/ghost")).Status);
        Assert.Equal(204, (await api.SendAsync("DELETE", "/v1.50/volumes/ghost?force=1")).Status);
    }

    [Fact]
    public async Task Prune_DefaultsToAnonymous()
    {
        using var api = new ApiHarness();
        await api.SendAsync("POST", "/v1.50/volumes/create", """{"Name":"named"}""");
        var pruned = await api.SendAsync("POST", "/v1.50/volumes/prune");
        Assert.Equal(200, pruned.Status);
        Assert.Contains("\"VolumesDeleted\":[]", pruned.Body);
        var all = await api.SendAsync("POST", "/v1.50/volumes/prune?filters=%7B%22all%22%3A%5B%22true%22%5D%7D");
        Assert.Contains("\"VolumesDeleted\":[\"named\"]", all.Body);
    }
}
