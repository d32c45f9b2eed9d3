using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Moat.Api.Contracts.SystemInfo;
using Moat.Api.SystemInfo;
using Moat.Api.Tests.Infrastructure;

namespace Moat.Api.Tests.SystemInfo;

public sealed class SystemDfEndpointTests
{
    private sealed class FakeImages : ISystemDfContributor
    {
        public DiskUsageObject Object => DiskUsageObject.Image;

        public ValueTask ContributeAsync(SystemDfResponse response, CancellationToken cancellationToken)
        {
            response.LayersSize = 1234;
            response.Images!.Add(JsonDocument.Parse("""{"Id":"sha256:abc","Size":1234}""").RootElement.Clone());
            return ValueTask.CompletedTask;
        }
    }

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private static async Task<JsonElement> DfAsync(ApiServer server, string path)
    {
        var response = await server.Client.GetAsync(path, Token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync(Token)).RootElement;
    }

    [Fact]
    public async Task Df_NoType_AllListsPresentAndContributorsCalled()
    {
        await using var server = await ApiServer.StartAsync(configure: s => s.AddSingleton<ISystemDfContributor, FakeImages>());

        var df = await DfAsync(server, "/v1.51/system/df");

        Assert.Equal(1234, df.GetProperty("LayersSize").GetInt64());
        Assert.Equal("sha256:abc", df.GetProperty("Images")[0].GetProperty("Id").GetString());
        Assert.Equal(JsonValueKind.Array, df.GetProperty("Containers").ValueKind);
        Assert.Equal(JsonValueKind.Array, df.GetProperty("Volumes").ValueKind);
        Assert.Equal(JsonValueKind.Array, df.GetProperty("BuildCache").ValueKind);
        Assert.False(df.TryGetProperty("BuilderSize", out _));
    }

    [Fact]
    public async Task Df_TypeFilter_OnlyRequestedListsAndContributors()
    {
        await using var server = await ApiServer.StartAsync(configure: s => s.AddSingleton<ISystemDfContributor, FakeImages>());

        var df = await DfAsync(server, "/v1.51/system/df?type=volume&type=container");

        Assert.Equal(JsonValueKind.Null, df.GetProperty("Images").ValueKind);
        Assert.Equal(JsonValueKind.Null, df.GetProperty("BuildCache").ValueKind);
        Assert.Equal(0, df.GetProperty("LayersSize").GetInt64());
        Assert.Equal(JsonValueKind.Array, df.GetProperty("Volumes").ValueKind);
        Assert.Equal(JsonValueKind.Array, df.GetProperty("Containers").ValueKind);
    }

    [Fact]
    public async Task Df_TypeIgnoredBeforeApi142()
    {
        await using var server = await ApiServer.StartAsync();

        var df = await DfAsync(server, "/v1.41/system/df?type=volume");

        Assert.Equal(JsonValueKind.Array, df.GetProperty("Images").ValueKind);
    }

    [Fact]
    public async Task Df_UnknownType_Is400()
    {
        await using var server = await ApiServer.StartAsync();

        var response = await server.Client.GetAsync("/system/df?type=bogus", Token);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("unknown object type: bogus", JsonDocument.Parse(await response.Content.ReadAsStringAsync(Token)).RootElement.GetProperty("message").GetString());
    }
}
