using System.Text;
using Moat.Compat.Tests.Infrastructure;

namespace Moat.Compat.Tests.Configuration;

/// <summary>dist/moatd refuses bad configuration with dockerd's texts on stderr and exit status 1.</summary>
public sealed class ConfigurationRefusalTests
{
    [Fact]
    public async Task Start_UnknownKey_RefusedLikeDockerd()
    {
        using var dir = new TempDir("moatd-cfg");

        var r = await Moatd.RunAsync(dir, "{\"b-option\": 1, \"a-option\": true}");

        Assert.Equal(1, r.ExitCode);
        Assert.Equal(Moatd.Wrapped(dir, "the following directives don't match any configuration option: a-option, b-option"), r.Stderr);
        Assert.Equal("", r.Stdout);
    }

    [Fact]
    public async Task Start_HostsInFlagAndFile_ConflictLikeDockerd()
    {
        using var dir = new TempDir("moatd-cfg");

        var r = await Moatd.RunAsync(dir, "{\"hosts\": [\"tcp://0.0.0.0:2376\"]}");

        Assert.Equal(1, r.ExitCode);
        Assert.Equal(Moatd.Wrapped(dir, $"the following directives are specified both as a flag and in the configuration file: hosts: (from flag: [unix://{dir.Combine("docker.sock")}], from file: [tcp://0.0.0.0:2376])"), r.Stderr);
    }

    [Fact]
    public async Task Start_FlagNameAsKey_RefusedWhereDockerdIgnoresIt()
    {
        using var dir = new TempDir("moatd-cfg");

        var r = await Moatd.RunAsync(dir, "{\"label\": [\"a=b\"]}");

        Assert.Equal(1, r.ExitCode);
        Assert.Equal(Moatd.Wrapped(dir, "the following directives don't match any configuration option: label\n\"label\" is the command-line flag name; the daemon.json key is \"labels\""), r.Stderr);
    }

    [Fact]
    public async Task Start_AuthorizationPlugins_RefusedPointingToPolicy()
    {
        using var dir = new TempDir("moatd-cfg");

        var r = await Moatd.RunAsync(dir, "{\"authorization-plugins\": [\"opa-docker-authz\"]}");

        Assert.Equal(1, r.ExitCode);
        Assert.StartsWith(Moatd.Wrapped(dir, "\"authorization-plugins\" is not supported: moatd does not load authorization plugins").TrimEnd('\n'), r.Stderr);
        Assert.Contains("\"authorization-policy\"", r.Stderr);
    }

    [Fact]
    public async Task Start_AuthorizationPluginFlag_Refused()
    {
        using var dir = new TempDir("moatd-cfg");

        var r = await Moatd.RunAsync(dir, "{}", "--authorization-plugin", "opa");

        Assert.Equal(1, r.ExitCode);
        Assert.StartsWith("--authorization-plugin is not supported: moatd does not load authorization plugins", r.Stderr);
        Assert.EndsWith("\nSee 'moatd --help'.\n", r.Stderr);
    }

    [Fact]
    public async Task Start_WrongType_ErrorNamesKey()
    {
        using var dir = new TempDir("moatd-cfg");

        var r = await Moatd.RunAsync(dir, "{\"debug\": \"yes\"}");

        Assert.Equal(1, r.ExitCode);
        Assert.Equal(Moatd.Wrapped(dir, "json: cannot unmarshal string into Go struct field Config.debug of type bool"), r.Stderr);
    }

    [Fact]
    public async Task Start_BrokenJson_GoSyntaxErrorWithOffset()
    {
        using var dir = new TempDir("moatd-cfg");

        var r = await Moatd.RunAsync(dir, "{\n  \"debug\": true,\n}\n");

        Assert.Equal(1, r.ExitCode);
        Assert.Equal(Moatd.Wrapped(dir, "failed to decode configuration JSON at offset 19: invalid character '}' looking for beginning of object key string"), r.Stderr);
    }

    [Fact]
    public async Task Start_DuplicateKeys_Refused()
    {
        using var dir = new TempDir("moatd-cfg");

        var r = await Moatd.RunAsync(dir, "{\"debug\": false, \"DEBUG\": true}");

        Assert.Equal(1, r.ExitCode);
        Assert.Equal(Moatd.Wrapped(dir, "duplicate key \"DEBUG\" in configuration JSON: keys that differ only in case (first given as \"debug\") are refused"), r.Stderr);
    }

    [Fact]
    public async Task Start_BadLogLevel_WrappedAsMergedValidation()
    {
        using var dir = new TempDir("moatd-cfg");

        var r = await Moatd.RunAsync(dir, "{\"log-level\": \"loud\"}");

        Assert.Equal(1, r.ExitCode);
        Assert.Equal(Moatd.Wrapped(dir, "merged configuration validation from file and command line flags failed: invalid logging level: loud"), r.Stderr);
    }

    [Fact]
    public async Task Start_ConflictingLabels_Refused()
    {
        using var dir = new TempDir("moatd-cfg");

        var r = await Moatd.RunAsync(dir, "{\"labels\": [\"k=v1\", \"k=v2\"]}");

        Assert.Equal(1, r.ExitCode);
        Assert.Equal("conflict labels for k=v2 and k=v1\n", r.Stderr);
    }

    [Fact]
    public async Task Start_ExplicitConfigFileMissing_Refused()
    {
        using var dir = new TempDir("moatd-cfg");
        string missing = dir.Combine("missing.json");

        var r = await Moatd.RunAsync(dir, (byte[]?)null, ["--config-file", missing], standardArgs: false);

        Assert.Equal(1, r.ExitCode);
        Assert.Equal($"unable to configure the Docker daemon with file {missing}: open {missing}: no such file or directory\n", r.Stderr);
    }

    [Theory]
    [InlineData("unknown flag: --bogus\nSee 'moatd --help'.\n", "--bogus")]
    [InlineData("unknown shorthand flag: 'z' in -z\nSee 'moatd --help'.\n", "-z")]
    [InlineData("flag needs an argument: 'H' in -H\nSee 'moatd --help'.\n", "-H")]
    [InlineData("invalid argument \"maybe\" for \"--tls\" flag: strconv.ParseBool: parsing \"maybe\": invalid syntax\nSee 'moatd --help'.\n", "--tls=maybe")]
    [InlineData("invalid argument \"udp://1.2.3.4\" for \"-H, --host\" flag: invalid bind address (udp://1.2.3.4): unsupported proto 'udp'\nSee 'moatd --help'.\n", "-H", "udp://1.2.3.4")]
    public async Task Start_BadFlag_PflagTextExit1(string expected, params string[] args)
    {
        using var dir = new TempDir("moatd-cfg");

        var r = await Moatd.RunAsync(dir, "{}", args);

        Assert.Equal(1, r.ExitCode);
        Assert.Equal(expected, r.Stderr);
    }

    [Fact]
    public async Task Start_PidfileOfRunningDaemon_Refused()
    {
        await using var daemon = await MoatDaemon.StartAsync();

        var r = await ProcessRunner.RunAsync(MoatDaemon.DaemonPath,
            ["-H", "unix://" + daemon.Dir.Combine("second.sock"), "--data-root", daemon.DataRoot, "--exec-root", daemon.ExecRoot, "--pidfile", daemon.PidFile, "--config-file", daemon.ConfigFile],
            timeout: TimeSpan.FromSeconds(30));

        Assert.Equal(1, r.ExitCode);
        Assert.Equal($"failed to start daemon, ensure docker is not running or delete {daemon.PidFile}: process with PID {daemon.Pid} is still running\n", r.Stderr);
        Assert.False(daemon.HasExited);
    }
}
