using Moat.Engine.Runtime;

namespace Moat.Engine.Tests.Runtime;

/// <summary>The runc CLI wrapper against the real runc, with a private --root.</summary>
public sealed class CliOciRuntimeTests : IDisposable
{
    private readonly string _root = Path.Combine("/tmp", "mrc-" + Guid.NewGuid().ToString("N")[..8]);
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose()
    {
        if (Directory.Exists(_root)) Directory.Delete(_root, recursive: true);
    }

    [Fact]
    public async Task State_UnknownContainer_ThrowsNotFoundWithRuncsMessage()
    {
        var runc = new RuncRuntime(_root, "/usr/sbin/runc");
        var e = await Assert.ThrowsAsync<RuntimeContainerNotFoundException>(() => runc.StateAsync("nope", Ct));
        Assert.Equal("runc state: container does not exist", e.Message);
        await Assert.ThrowsAsync<RuntimeContainerNotFoundException>(() => runc.KillAsync("nope", 15, false, Ct));
        await Assert.ThrowsAsync<RuntimeContainerNotFoundException>(() => runc.DeleteAsync("nope", false, Ct));
    }

    [Fact]
    public async Task List_EmptyRoot_IsEmpty()
    {
        Assert.Empty(await new RuncRuntime(_root, "/usr/sbin/runc").ListAsync(Ct));
        Directory.CreateDirectory(_root);
        Assert.Empty(await new RuncRuntime(_root, "/usr/sbin/runc").ListAsync(Ct));
    }

    [Fact]
    public async Task MissingBinary_IsUnavailable()
    {
        var missing = new CustomCliRuntime("ghost", _root, "/no/such/runtime");
        await Assert.ThrowsAsync<Moat.Engine.Errors.UnavailableException>(() => missing.StateAsync("x", Ct));
    }

    [Fact]
    public void GlobalArgs_IncludeRootAndExtraArgs()
    {
        var crun = new CrunRuntime(_root, "/usr/bin/crun", ["--systemd-cgroup"]);
        Assert.Equal(["--root", _root, "--log-format", "json", "--systemd-cgroup"], crun.GlobalArgs);
    }

    [Theory]
    [InlineData("""{"level":"error","msg":"container does not exist","time":"2026-01-01T00:00:00Z"}""", "container does not exist")]
    [InlineData("time=\"x\" level=error msg=\"boom\"\n", "time=\"x\" level=error msg=\"boom\"")]
    [InlineData("""
        {"level":"warning","msg":"ignored","time":"t"}
        {"level":"error","msg":"real","time":"t"}
        """, "real")]
    [InlineData("", "unknown error (no output)")]
    public void ErrorMessage_TakesTheErrorLines(string stderr, string expected) =>
        Assert.Equal(expected, CliOciRuntime.ErrorMessage(stderr));

    [Theory]
    [InlineData("container does not exist", typeof(RuntimeContainerNotFoundException))]
    [InlineData("container with id exists: abc", typeof(RuntimeStateException))]
    [InlineData("cannot kill container: container not running", typeof(RuntimeStateException))]
    [InlineData("container not paused", typeof(RuntimeStateException))]
    [InlineData("cannot delete container abc that is not stopped: running", typeof(RuntimeStateException))]
    [InlineData("unable to start container process: exec: \"x\": executable file not found in $PATH", typeof(OciRuntimeException))]
    public void Translate_MapsByCategory(string message, Type expected)
    {
        var e = new RuncRuntime(_root).Translate("kill", message, 1);
        Assert.IsType(expected, e);
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void Registry_KnowsBuiltinsAndConfiguredRuntimes()
    {
        var registry = new OciRuntimeRegistry(new RuntimeOptions
        {
            ExecRoot = _root,
            Runtimes = new Dictionary<string, RuntimeDefinition> { ["fast"] = new("/usr/bin/crun", ["--debug"]) },
        });
        Assert.Equal("runc", registry.Get().Name);
        Assert.Equal(Path.Combine(_root, "runtime-runc"), ((CliOciRuntime)registry.Get()).StateRoot);
        Assert.Equal("crun", registry.Get("crun").Name);
        Assert.Contains("--debug", registry.Get("fast").GlobalArgs);
        var e = Assert.Throws<Moat.Engine.Errors.InvalidArgumentException>(() => registry.Get("nope"));
        Assert.Equal("unknown or invalid runtime name: nope", e.Message);
    }
}
