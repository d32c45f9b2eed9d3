using Moat.Engine.Runtime;

namespace Moat.Engine.Tests.Runtime;

/// <summary>Real containers under runc with the moat-shim monitor.</summary>
public sealed class RuntimeServiceTests
{
    [Fact]
    public async Task Run_ExitCode_IsPropagated()
    {
        await using var sandbox = new RuntimeSandbox();
        var (exitCode, stdout, stderr) = await sandbox.RunAsync("echo out; echo err >&2; exit 3");
        Assert.Equal(3, exitCode);
        Assert.Equal("out\n", stdout);
        Assert.Equal("err\n", stderr);
    }

    [Fact]
    public async Task Run_Default_HasDockerCapabilitiesAndSeccomp()
    {
        await using var sandbox = new RuntimeSandbox();
        var (exitCode, stdout, _) = await sandbox.RunAsync("grep -E '^(CapEff|CapBnd|CapInh|Seccomp|NoNewPrivs):' /proc/self/status");
        Assert.Equal(0, exitCode);
        Assert.Contains("CapEff:\t00000000a80425fb", stdout);
        Assert.Contains("CapBnd:\t00000000a80425fb", stdout);
        Assert.Contains("CapInh:\t0000000000000000", stdout);
        Assert.Contains("Seccomp:\t2", stdout);
        Assert.Contains("NoNewPrivs:\t0", stdout);
    }
}
