using Moat.Engine.Containers;

namespace Moat.Api.Tests.Containers;

public sealed class ContainerRoutesTests
{
    [Fact]
    public async Task Create_UnknownImage_Returns404NoSuchImage()
    {
        using var api = new ApiHarness();
        var (status, body, _) = await api.SendAsync("POST", "/v1.50/containers/create", """{"Image":"nope:1","Cmd":["true"]}""");
        Assert.Equal(404, status);
        Assert.Equal("{\"message\":\"No such image: nope:1\"}\n", body);
    }

    [Fact]
    public async Task Create_EmptyBody_Returns400()
    {
        using var api = new ApiHarness();
        var (status, body, _) = await api.SendAsync("POST", "/v1.50/containers/create");
        Assert.Equal(400, status);
        Assert.Contains("config cannot be empty in order to create a container", body);
    }

    [Theory]
    [InlineData("""{"Image":"busybox","HostConfig":{"RestartPolicy":{"Name":"sometimes"}}}""", "invalid restart policy")]
    [InlineData("""{"Image":"busybox","HostConfig":{"AutoRemove":true,"RestartPolicy":{"Name":"always"}}}""", "can't create 'AutoRemove' container with restart policy")]
    [InlineData("""{"Image":"busybox","HostConfig":{"Memory":1024}}""", "Minimum memory limit allowed is 6MB")]
    [InlineData("""{"Image":"busybox","HostConfig":{"SecurityOpt":["bogus"]}}""", "invalid --security-opt")]
    public async Task Create_InvalidHostConfig_Returns400(string json, string message)
    {
        using var api = new ApiHarness();
        var (status, body, _) = await api.SendAsync("POST", "/v1.50/containers/create?name=x1", json);
        Assert.Equal(400, status);
        Assert.Contains(message, ApiHarness.Message(body));
    }

    [Fact]
    public async Task Create_BadName_Returns400()
    {
        using var api = new ApiHarness();
        var (status, body, _) = await api.SendAsync("POST", "/v1.50/containers/create?name=a%20b", """{"Image":"busybox"}""");
        Assert.Equal(400, status);
        Assert.Contains("Invalid container name (a b)", body);
    }

    [Fact]
    public async Task Create_NameWithQuote_ErrorEscapesQuoteAsGoDoes()
    {
        using var api = new ApiHarness();
        var (status, body, _) = await api.SendAsync("POST", "/v1.50/containers/create?name=a%22b", """{"Image":"nope:1"}""");
        Assert.Equal(400, status);
        Assert.Contains("(a\\\"b)", body);
        Assert.DoesNotContain("\\u0022", body);
    }

    [Fact]
    public async Task Inspect_Missing_Returns404()
    {
        using var api = new ApiHarness();
        var (status, body, _) = await api.SendAsync("GET", "/v1.50/containers/nope/json");
        Assert.Equal(404, status);
        Assert.Equal("{\"message\":\"No such container: nope\"}\n", body);
    }

    [Fact]
    public async Task List_EmptyAndFilters()
    {
        using var api = new ApiHarness();
        Assert.Equal((200, "[]\n"), Trim(await api.SendAsync("GET", "/v1.50/containers/json?all=1")));
        var r = api.AddContainer("listed", ContainerStatus.Exited);
        var (status, body, _) = await api.SendAsync("GET", "/v1.50/containers/json?all=1&filters=%7B%22status%22%3A%7B%22exited%22%3Atrue%7D%7D");
        Assert.Equal(200, status);
        Assert.Contains($"\"Id\":\"{r.Id}\"", body);
        Assert.Contains("\"Names\":[\"/listed\"]", body);
        var bad = await api.SendAsync("GET", "/v1.50/containers/json?filters=%7B%22colour%22%3A%5B%22x%22%5D%7D");
        Assert.Equal(400, bad.Status);
        Assert.Equal("invalid filter 'colour'", ApiHarness.Message(bad.Body));
    }

    private static (int, string) Trim((int Status, string Body, string? ContentType) r) => (r.Status, r.Body);

    [Fact]
    public async Task Wait_InvalidCondition_Returns400BeforeHeaders()
    {
        using var api = new ApiHarness();
        var r = api.AddContainer("w", ContainerStatus.Exited);
        var (status, body, _) = await api.SendAsync("POST", $"/v1.50/containers/{r.Id}/wait?condition=later");
        Assert.Equal(400, status);
        Assert.Equal("invalid condition: \"later\"", ApiHarness.Message(body));
    }

    [Fact]
    public async Task Wait_NotRunning_ReturnsExitCodeAtOnce()
    {
        using var api = new ApiHarness();
        var r = api.AddContainer("done", ContainerStatus.Exited);
        r.State.ExitCode = 7;
        var (status, body, _) = await api.SendAsync("POST", $"/v1.50/containers/{r.Id}/wait");
        Assert.Equal(200, status);
        Assert.Equal("{\"StatusCode\":7,\"Error\":null}\n", body);
    }

    [Fact]
    public async Task Logs_NoStream_Returns400()
    {
        using var api = new ApiHarness();
        var r = api.AddContainer("quiet", ContainerStatus.Exited);
        var (status, body, _) = await api.SendAsync("GET", $"/v1.50/containers/{r.Id}/logs");
        Assert.Equal(400, status);
        Assert.Contains("Bad parameters: you must choose at least one stream", body);
    }

    [Fact]
    public async Task Logs_NonTty_IsMultiplexed()
    {
        using var api = new ApiHarness();
        var r = api.AddContainer("talk", ContainerStatus.Exited);
        File.WriteAllText(r.LogPath, "{\"log\":\"hi\\n\",\"stream\":\"stdout\",\"time\":\"2024-01-01T00:00:00Z\"}\n");
        var (status, body, contentType) = await api.SendAsync("GET", $"/v1.50/containers/{r.Id}/logs?stdout=1");
        Assert.Equal(200, status);
        Assert.Equal("application/vnd.docker.multiplexed-stream", contentType);
        Assert.Equal("\u0001\0\0\0\0\0\0\u0003hi\n", body);
        var old = await api.SendAsync("GET", $"/v1.41/containers/{r.Id}/logs?stdout=1");
        Assert.Equal("application/vnd.docker.raw-stream", old.ContentType);
    }

    [Fact]
    public async Task StateErrors_AreDockerd()
    {
        using var api = new ApiHarness();
        var running = api.AddContainer("busy", ContainerStatus.Running);
        var rm = await api.SendAsync("DELETE", $"/v1.50/containers/{running.Id}");
        Assert.Equal(409, rm.Status);
        Assert.Equal("cannot remove container \"/busy\": container is running: stop the container before removing or force remove", ApiHarness.Message(rm.Body));
        Assert.Equal(304, (await api.SendAsync("POST", $"/v1.50/containers/{running.Id}/start")).Status);

        var stopped = api.AddContainer("idle", ContainerStatus.Exited);
        var kill = await api.SendAsync("POST", $"/v1.50/containers/idle/kill");
        Assert.Equal(409, kill.Status);
        Assert.Equal($"cannot kill container: idle: container {stopped.Id} is not running", ApiHarness.Message(kill.Body));
        Assert.Equal(304, (await api.SendAsync("POST", $"/v1.50/containers/idle/stop")).Status);
        var unpause = await api.SendAsync("POST", $"/v1.50/containers/idle/unpause");
        Assert.Equal(409, unpause.Status);
        Assert.Equal(204, (await api.SendAsync("DELETE", $"/v1.50/containers/idle")).Status);
        Assert.Equal(404, (await api.SendAsync("DELETE", $"/v1.50/containers/idle")).Status);
    }

    [Fact]
    public async Task Rename_ToTakenName_Returns409()
    {
        using var api = new ApiHarness();
        api.AddContainer("one", ContainerStatus.Exited);
        var two = api.AddContainer("two", ContainerStatus.Exited);
        var (status, body, _) = await api.SendAsync("POST", "/v1.50/containers/one/rename?name=two");
        Assert.Equal(409, status);
        Assert.Contains($"already in use by container \"{two.Id}\"", ApiHarness.Message(body));
        Assert.Equal(204, (await api.SendAsync("POST", "/v1.50/containers/one/rename?name=three")).Status);
    }
}
