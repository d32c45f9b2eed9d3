using System.Text.Json;
using Moat.Api.Tests.Infrastructure;
using Moat.Api.Tests.Json;

namespace Moat.Api.Tests;

/// <summary>JSON responses on a real Kestrel: a body of many pooled segments goes out whole, with its Content-Length.</summary>
public sealed class ApiResultsTests : IAsyncLifetime
{
    private ApiServer _server = null!;

    private static List<TestMount> Items(int count) =>
        Enumerable.Range(0, count).Select(i => new TestMount { Source = $"/src/{i}", Target = new string('t', i % 200) }).ToList();

    public async ValueTask InitializeAsync()
    {
        _server = await ApiServer.StartAsync(routes =>
        {
            routes.MapGet("/test/json/{count}", "test.json", r =>
                ApiResults.JsonAsync(r.Http, Items(int.Parse(r.Value("count"))), TestJsonContext.Default.ListTestMount));
        });
    }

    public async ValueTask DisposeAsync() => await _server.DisposeAsync();

    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    [InlineData(3000)]
    public async Task JsonAsync_AnySize_SendsTheDocumentWithNewlineAndContentLength(int count)
    {
        var response = await _server.RequestAsync("GET", $"/test/json/{count}");

        Assert.Equal(200, response.Status);
        Assert.Equal("application/json", response.Header("Content-Type"));
        string expected = JsonSerializer.Serialize(Items(count), TestJsonContext.Default.ListTestMount) + "\n";
        Assert.Equal(expected.Length.ToString(), response.Header("Content-Length"));
        Assert.True(response.Complete);
        Assert.Equal(expected, response.Body);
    }
}
