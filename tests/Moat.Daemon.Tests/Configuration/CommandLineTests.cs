using Moat.Daemon.Configuration;

namespace Moat.Daemon.Tests.Configuration;

public sealed class CommandLineTests
{
    private static string Error(params string[] args) => Assert.Throws<ConfigurationException>(() => CommandLine.Parse(args)).Message;

    [Theory]
    [InlineData("--host=unix:///a")]
    [InlineData("--host", "unix:///a")]
    [InlineData("-H", "unix:///a")]
    [InlineData("-Hunix:///a")]
    [InlineData("-H=unix:///a")]
    public void Parse_HostForms_AllSetTheValue(params string[] args)
    {
        var cl = CommandLine.Parse(args);

        Assert.Equal(["unix:///a"], cl.GetList("host"));
        Assert.True(cl.Changed("host"));
    }

    [Fact]
    public void Parse_RepeatedListFlags_Accumulate()
    {
        var cl = CommandLine.Parse(["-H", "unix:///a", "-H", "tcp://127.0.0.1:2376", "--label", "a=1", "--label=b=2"]);

        Assert.Equal(["unix:///a", "tcp://127.0.0.1:2376"], cl.GetList("host"));
        Assert.Equal(["a=1", "b=2"], cl.GetList("label"));
    }

    [Theory]
    [InlineData(true, "--tls")]
    [InlineData(true, "--tls=true")]
    [InlineData(true, "--tls=1")]
    [InlineData(true, "--tls=T")]
    [InlineData(false, "--tls=false")]
    [InlineData(false, "--tls=0")]
    [InlineData(false, "--tls=False")]
    public void Parse_BoolForms(bool expected, string arg)
    {
        var cl = CommandLine.Parse([arg]);

        Assert.Equal(expected, cl.GetBool("tls"));
        Assert.True(cl.Changed("tls"));
    }

    [Fact]
    public void Parse_BoolNeverTakesTheNextArgument()
    {
        var e = Error("--tls", "false");

        Assert.Equal("\"moatd\" accepts no arguments, got: false\nSee 'moatd --help'.", e);
    }

    [Fact]
    public void Parse_CombinedShorthands_BoolThenValue()
    {
        var cl = CommandLine.Parse(["-DH", "unix:///x", "-lerror"]);

        Assert.True(cl.GetBool("debug"));
        Assert.Equal(["unix:///x"], cl.GetList("host"));
        Assert.Equal("error", cl.GetString("log-level"));
    }

    [Fact]
    public void Parse_Defaults_IccTrueOthersFalse()
    {
        var cl = CommandLine.Parse([]);

        Assert.True(cl.GetBool("icc"));
        Assert.False(cl.GetBool("debug"));
        Assert.False(cl.Changed("icc"));
        Assert.Null(cl.GetString("data-root"));
    }

    [Fact]
    public void Parse_DoubleDash_EndsFlags()
    {
        Assert.Equal("\"moatd\" accepts no arguments, got: -D\nSee 'moatd --help'.", Error("--", "-D"));
    }

    [Theory]
    [InlineData("unknown flag: --x\nSee 'moatd --help'.", "--x")]
    [InlineData("unknown flag: --x\nSee 'moatd --help'.", "--x=1")]
    [InlineData("unknown shorthand flag: 'x' in -x\nSee 'moatd --help'.", "-x")]
    [InlineData("unknown shorthand flag: 'x' in -x\nSee 'moatd --help'.", "-Dx")]
    [InlineData("bad flag syntax: ---x\nSee 'moatd --help'.", "---x")]
    [InlineData("bad flag syntax: --=x\nSee 'moatd --help'.", "--=x")]
    [InlineData("flag needs an argument: --data-root\nSee 'moatd --help'.", "--data-root")]
    [InlineData("flag needs an argument: 'H' in -H\nSee 'moatd --help'.", "-H")]
    [InlineData("invalid argument \"yes\" for \"--tls\" flag: strconv.ParseBool: parsing \"yes\": invalid syntax\nSee 'moatd --help'.", "--tls=yes")]
    [InlineData("invalid argument \"yes\" for \"-D, --debug\" flag: strconv.ParseBool: parsing \"yes\": invalid syntax\nSee 'moatd --help'.", "-D=yes")]
    [InlineData("invalid argument \"tcp://:x\" for \"-H, --host\" flag: invalid bind address (tcp://:x): parse \"tcp://:x\": invalid port \":x\" after host\nSee 'moatd --help'.", "-H", "tcp://:x")]
    [InlineData("invalid argument \"foo\" for \"--label\" flag: bad attribute format: foo\nSee 'moatd --help'.", "--label", "foo")]
    [InlineData("invalid argument \"nofile\" for \"--default-ulimit\" flag: invalid ulimit argument: nofile\nSee 'moatd --help'.", "--default-ulimit", "nofile")]
    [InlineData("invalid argument \"bogus=1\" for \"--default-ulimit\" flag: invalid ulimit type: bogus\nSee 'moatd --help'.", "--default-ulimit", "bogus=1")]
    [InlineData("invalid argument \"nofile=2:1\" for \"--default-ulimit\" flag: ulimit soft limit must be less than or equal to hard limit: 2 > 1\nSee 'moatd --help'.", "--default-ulimit", "nofile=2:1")]
    [InlineData("invalid argument \"nofile=1:2:3\" for \"--default-ulimit\" flag: too many limit value arguments - 1:2:3, can only have up to two, `soft[:hard]`\nSee 'moatd --help'.", "--default-ulimit", "nofile=1:2:3")]
    [InlineData("invalid argument \"nofile=x\" for \"--default-ulimit\" flag: strconv.ParseInt: parsing \"x\": invalid syntax\nSee 'moatd --help'.", "--default-ulimit", "nofile=x")]
    [InlineData("invalid argument \"runc=/bin/x\" for \"--add-runtime\" flag: runtime name 'runc' is reserved\nSee 'moatd --help'.", "--add-runtime", "runc=/bin/x")]
    [InlineData("invalid argument \"nopath\" for \"--add-runtime\" flag: invalid runtime argument: nopath\nSee 'moatd --help'.", "--add-runtime", "nopath")]
    [InlineData("invalid argument \"ftp://m\" for \"--registry-mirror\" flag: invalid mirror: unsupported scheme \"ftp\" in \"ftp://m\"\nSee 'moatd --help'.", "--registry-mirror", "ftp://m")]
    [InlineData("invalid argument \"-bad\" for \"--insecure-registry\" flag: invalid index name (-bad). Cannot begin or end with a hyphen\nSee 'moatd --help'.", "--insecure-registry", "-bad")]
    public void Parse_Invalid_PflagText(string expected, params string[] args)
    {
        Assert.Equal(expected, Error(args));
    }

    [Fact]
    public void Parse_AddRuntimeTwice_Refused()
    {
        Assert.Equal("invalid argument \"x=/b\" for \"--add-runtime\" flag: runtime 'x' was already defined\nSee 'moatd --help'.",
            Error("--add-runtime", "x=/a", "--add-runtime", "x=/b"));
    }

    [Fact]
    public void Parse_AuthorizationPlugin_RefusedPointingToPolicy()
    {
        var e = Error("--authorization-plugin", "opa");

        Assert.StartsWith("--authorization-plugin is not supported: moatd does not load authorization plugins", e);
        Assert.Contains("\"authorization-policy\"", e);
    }

    [Fact]
    public void Parse_LogOpts_KeyValue()
    {
        var cl = CommandLine.Parse(["--log-opt", "max-size=10m", "--log-opt=max-file=3", "--log-opt", "bare"]);

        Assert.Equal("10m", cl.LogOpts["max-size"]);
        Assert.Equal("3", cl.LogOpts["max-file"]);
        Assert.Equal("", cl.LogOpts["bare"]);
        Assert.Equal("map[bare: max-file:3 max-size:10m]", cl.FormatValue("log-opt"));
    }

    [Fact]
    public void Parse_Ulimit_SoftDefaultsHard()
    {
        var cl = CommandLine.Parse(["--default-ulimit", "nofile=1024", "--default-ulimit", "nproc=10:-1"]);

        Assert.Equal(new UlimitSettings("nofile", 1024, 1024), cl.Ulimits["nofile"]);
        Assert.Equal(new UlimitSettings("nproc", 10, -1), cl.Ulimits["nproc"]);
        Assert.Equal("[nofile=1024:1024 nproc=10:-1]", cl.FormatValue("default-ulimit"));
    }

    [Fact]
    public void Parse_HelpVersionValidate()
    {
        Assert.True(CommandLine.Parse(["--help"]).Help);
        Assert.True(CommandLine.Parse(["-h"]).Help);
        Assert.True(CommandLine.Parse(["-v"]).Version);
        Assert.True(CommandLine.Parse(["--validate"]).Validate);
    }

    [Fact]
    public void Usage_ListsEveryFlag()
    {
        string usage = DaemonFlags.Usage();

        Assert.StartsWith("Usage:\tmoatd [OPTIONS]\n", usage);
        foreach (var f in DaemonFlags.All) Assert.Contains("--" + f.Name, usage);
        Assert.Contains("  -H, --host list", usage);
        Assert.Contains("(default \"/etc/docker/daemon.json\")", usage);
    }
}
