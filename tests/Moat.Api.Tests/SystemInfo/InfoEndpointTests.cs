using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Moat.Api.Contracts.SystemInfo;
using Moat.Api.SystemInfo;
using Moat.Api.Tests.Infrastructure;

namespace Moat.Api.Tests.SystemInfo;

public sealed class InfoEndpointTests
{
    private sealed class DriverContributor : IInfoContributor
    {
        public void Contribute(SystemInfoResponse info)
        {
            info.Driver = "overlay2";
            info.DriverStatus.Add(["Backing Filesystem", "extfs"]);
            info.Images = 3;
            info.Warnings.Add("WARNING: from a contributor");
        }
    }

    private static async Task<JsonElement> InfoAsync(ApiServer server, string path = "/v1.51/info")
    {
        var response = await server.Client.GetAsync(path, TestContext.Current.CancellationToken);
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).RootElement;
    }

    [Fact]
    public async Task Info_ReportsDaemonAndHostFacts()
    {
        string dir = Directory.CreateTempSubdirectory("moat-info-").FullName;
        try
        {
            var facts = new DaemonFacts
            {
                DataRoot = Path.Combine(dir, "root"),
                Debug = true,
                Labels = ["env=test"],
                LiveRestore = true,
                Runtimes = new Dictionary<string, DaemonRuntime> { ["crun"] = new("/usr/bin/crun", ["--debug"]) },
                DefaultRuntime = "crun",
                NoNewPrivileges = true,
                InsecureRegistries = ["10.0.0.0/8", "myregistry:5000"],
                RegistryMirrors = ["https://mirror.example"],
            };
            await using var server = await ApiServer.StartAsync(facts: facts);

            var info = await InfoAsync(server);

            Assert.True(Guid.TryParse(info.GetProperty("ID").GetString(), out _));
            Assert.Equal(info.GetProperty("ID").GetString(), File.ReadAllText(Path.Combine(dir, "root", "engine-id")));
            Assert.Equal("28.2.2-moat", info.GetProperty("ServerVersion").GetString());
            Assert.Equal(Path.Combine(dir, "root"), info.GetProperty("DockerRootDir").GetString());
            Assert.Equal(HostFacts.OperatingSystem().OperatingSystem, info.GetProperty("OperatingSystem").GetString());
            Assert.Equal("12", info.GetProperty("OSVersion").GetString());
            Assert.Equal("linux", info.GetProperty("OSType").GetString());
            Assert.Equal("x86_64", info.GetProperty("Architecture").GetString());
            Assert.Equal(Environment.ProcessorCount, info.GetProperty("NCPU").GetInt32());
            Assert.Equal(HostFacts.MemTotal(), info.GetProperty("MemTotal").GetInt64());
            Assert.Equal(File.ReadAllText("/proc/sys/kernel/hostname").Trim(), info.GetProperty("Name").GetString());
            Assert.Equal(File.ReadAllText("/proc/sys/kernel/osrelease").Trim(), info.GetProperty("KernelVersion").GetString());
            Assert.True(info.GetProperty("Debug").GetBoolean());
            Assert.True(info.GetProperty("NFd").GetInt32() > 0);
            Assert.True(info.GetProperty("NGoroutines").GetInt32() > 0);
            Assert.True(DateTimeOffset.TryParse(info.GetProperty("SystemTime").GetString(), out var systemTime));
            Assert.True(Math.Abs((systemTime - DateTimeOffset.Now).TotalMinutes) < 5);
            Assert.True(info.GetProperty("LiveRestoreEnabled").GetBoolean());
            Assert.Equal(["env=test"], info.GetProperty("Labels").EnumerateArray().Select(e => e.GetString()));
            Assert.Equal("crun", info.GetProperty("DefaultRuntime").GetString());
            Assert.Equal("runc", info.GetProperty("Runtimes").GetProperty("runc").GetProperty("path").GetString());
            Assert.Equal("/usr/bin/crun", info.GetProperty("Runtimes").GetProperty("crun").GetProperty("path").GetString());
            Assert.Equal("--debug", info.GetProperty("Runtimes").GetProperty("crun").GetProperty("runtimeArgs")[0].GetString());
            var security = info.GetProperty("SecurityOptions").EnumerateArray().Select(e => e.GetString()).ToList();
            Assert.Contains("name=seccomp,profile=builtin", security);
            Assert.Contains("name=no-new-privileges", security);
            Assert.Equal("inactive", info.GetProperty("Swarm").GetProperty("LocalNodeState").GetString());
            var registry = info.GetProperty("RegistryConfig");
            Assert.Contains("10.0.0.0/8", registry.GetProperty("InsecureRegistryCIDRs").EnumerateArray().Select(e => e.GetString()));
            Assert.False(registry.GetProperty("IndexConfigs").GetProperty("myregistry:5000").GetProperty("Secure").GetBoolean());
            Assert.Equal("https://mirror.example", registry.GetProperty("Mirrors")[0].GetString());
            Assert.True(registry.GetProperty("IndexConfigs").GetProperty("docker.io").GetProperty("Official").GetBoolean());
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task Info_ThisHost_HybridCgroupsAreVersion1WithCgroupfs()
    {
        await using var server = await ApiServer.StartAsync();

        var info = await InfoAsync(server);

        string mode = HostFacts.CgroupMode();
        Assert.Equal(mode == "unified" ? "2" : "1", info.GetProperty("CgroupVersion").GetString());
        if (mode is "hybrid" or "legacy")
        {
            Assert.Equal("cgroupfs", info.GetProperty("CgroupDriver").GetString());
            Assert.DoesNotContain("name=cgroupns", info.GetProperty("SecurityOptions").EnumerateArray().Select(e => e.GetString()));
        }
    }

    [Fact]
    public async Task Info_WithoutAuthorizationPolicy_WarnsEveryoneIsAdmin()
    {
        await using var server = await ApiServer.StartAsync();

        var info = await InfoAsync(server);

        Assert.Contains(NoAuthorizationWarning.Message, info.GetProperty("Warnings").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public async Task Info_WithAuthorizationPolicy_NoAdminWarning()
    {
        string dir = Directory.CreateTempSubdirectory("moat-info-").FullName;
        try
        {
            await using var server = await ApiServer.StartAsync(facts: new DaemonFacts { DataRoot = dir, AuthorizationConfigured = true });

            var info = await InfoAsync(server);

            Assert.DoesNotContain(NoAuthorizationWarning.Message, info.GetProperty("Warnings").EnumerateArray().Select(e => e.GetString()));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task Info_CustomSeccompProfile_ShownWithWarning()
    {
        string dir = Directory.CreateTempSubdirectory("moat-info-").FullName;
        try
        {
            await using var server = await ApiServer.StartAsync(facts: new DaemonFacts { DataRoot = dir, SeccompProfile = "unconfined" });

            var info = await InfoAsync(server);

            Assert.Contains("name=seccomp,profile=unconfined", info.GetProperty("SecurityOptions").EnumerateArray().Select(e => e.GetString()));
            Assert.Contains("WARNING: daemon is not using the default seccomp profile", info.GetProperty("Warnings").EnumerateArray().Select(e => e.GetString()));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task Info_CallsEveryContributor()
    {
        await using var server = await ApiServer.StartAsync(configure: s => s.AddSingleton<IInfoContributor, DriverContributor>());

        var info = await InfoAsync(server);

        Assert.Equal("overlay2", info.GetProperty("Driver").GetString());
        Assert.Equal("extfs", info.GetProperty("DriverStatus")[0][1].GetString());
        Assert.Equal(3, info.GetProperty("Images").GetInt32());
        Assert.Contains("WARNING: from a contributor", info.GetProperty("Warnings").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public async Task Info_IdIsStableAcrossRequests()
    {
        await using var server = await ApiServer.StartAsync();

        var first = await InfoAsync(server);
        var second = await InfoAsync(server, "/info");

        Assert.Equal(first.GetProperty("ID").GetString(), second.GetProperty("ID").GetString());
    }

    [Fact]
    public async Task Info_OldApiVersion_GetsLegacyFields()
    {
        await using var server = await ApiServer.StartAsync();

        var current = await InfoAsync(server, "/v1.51/info");
        var old = await InfoAsync(server, "/v1.48/info");

        Assert.False(current.TryGetProperty("BridgeNfIptables", out _));
        Assert.False(current.GetProperty("RuncCommit").TryGetProperty("Expected", out _));
        Assert.False(old.GetProperty("BridgeNfIptables").GetBoolean());
        Assert.True(old.GetProperty("RuncCommit").TryGetProperty("Expected", out _));
    }

    [Fact]
    public async Task Info_OmitsGoOmitemptyFields()
    {
        await using var server = await ApiServer.StartAsync();

        var info = await InfoAsync(server);

        foreach (var name in new[] { "ProductLicense", "DefaultAddressPools", "FirewallBackend", "DiscoveredDevices", "Containerd", "SystemStatus", "KernelMemoryTCP" })
            Assert.False(info.TryGetProperty(name, out _), name);
        Assert.Equal(JsonValueKind.Null, info.GetProperty("GenericResources").ValueKind);
    }

    [Theory]
    [InlineData(2026, 11, 29, 16, 39, 28, 0, 0, "2026-11-29T16:39:28Z")]
    [InlineData(2026, 11, 29, 16, 39, 28, 1234500, 0, "2026-11-29T16:39:28.12345Z")]
    [InlineData(2026, 11, 29, 16, 39, 28, 1, 120, "2026-11-29T16:39:28.0000001+02:00")]
    public void FormatRfc3339Nano_AsGo(int y, int mo, int d, int h, int mi, int s, long ticks, int offsetMinutes, string expected)
    {
        var time = new DateTimeOffset(y, mo, d, h, mi, s, TimeSpan.FromMinutes(offsetMinutes)).AddTicks(ticks);

        Assert.Equal(expected, SystemInfoService.FormatRfc3339Nano(time));
    }

    [Theory]
    [InlineData("", "")]
    [InlineData("http://proxy:3128", "http://proxy:3128")]
    [InlineData("http://user:secret@proxy:3128", "http://user:xxxxx@proxy:3128")]
    public void RedactProxy_HidesPassword(string proxy, string expected)
    {
        Assert.Equal(expected, SystemInfoService.RedactProxy(proxy));
    }
}
