using System.Text;
using Moat.Daemon.Configuration;

namespace Moat.Daemon.Tests.Configuration;

public sealed class DaemonConfigLoaderTests : IDisposable
{
    private readonly ConfigTestDir _dir = new();

    public void Dispose() => _dir.Dispose();

    // ---- file presence and encoding ----

    [Fact]
    public void Load_DefaultFileMissing_UsesDefaults()
    {
        var s = _dir.LoadArgs();

        Assert.Equal(["unix:///var/run/docker.sock"], s.Hosts);
        Assert.Equal("/var/lib/docker", s.DataRoot);
        Assert.Equal("/var/run/docker", s.ExecRoot);
        Assert.Equal("/var/run/docker.pid", s.PidFile);
        Assert.Equal("info", s.LogLevel);
        Assert.Equal("docker", s.Group);
        Assert.Equal("runc", s.DefaultRuntime);
        Assert.Equal("builtin", s.SeccompProfile);
        Assert.Equal("json-file", s.LogDriver);
        Assert.Equal("1.2", s.TlsMinVersion);
        Assert.Equal(DaemonSettings.DefaultAuditLog, s.AuditLog);
        Assert.True(s.Icc);
        Assert.False(s.Tls);
        Assert.False(s.ConfigFileExplicit);
    }

    [Fact]
    public void Load_ExplicitFileMissing_Fails()
    {
        string missing = _dir.Combine("nope.json");

        Assert.Equal($"unable to configure the Docker daemon with file {missing}: open {missing}: no such file or directory",
            _dir.ArgsError("--config-file", missing));
    }

    [Fact]
    public void Load_EmptyConfigFileFlag_MeansNoFile()
    {
        var s = _dir.LoadArgs("--config-file", "", "-D");

        Assert.True(s.Debug);
        Assert.Equal("", s.ConfigFile);
        Assert.Empty(s.FileKeys);
    }

    [Fact]
    public void Load_ConfigFileIsADirectory_Fails()
    {
        string dir = _dir.Combine("adir");
        Directory.CreateDirectory(dir);

        Assert.Equal($"unable to configure the Docker daemon with file {dir}: read {dir}: is a directory", _dir.ArgsError("--config-file", dir));
    }

    [Theory]
    [InlineData("")]
    [InlineData("   \n\t  ")]
    [InlineData("{}")]
    public void Load_EmptyFile_IsEmptyConfig(string content)
    {
        var s = _dir.Load(content);

        Assert.Equal(["unix:///var/run/docker.sock"], s.Hosts);
        Assert.True(s.ConfigFileExplicit);
        Assert.Empty(s.FileKeys);
    }

    [Fact]
    public void Load_Utf8Bom_Accepted()
    {
        File.WriteAllBytes(_dir.ConfigFile, [0xEF, 0xBB, 0xBF, .. Encoding.UTF8.GetBytes("{\"debug\": true}")]);

        Assert.True(_dir.Load(null).Debug);
    }

    [Fact]
    public void Load_Utf16LeBom_Accepted()
    {
        File.WriteAllBytes(_dir.ConfigFile, [0xFF, 0xFE, .. Encoding.Unicode.GetBytes("{\"log-level\": \"warn\"}")]);

        Assert.Equal("warn", _dir.Load(null).LogLevel);
    }

    [Fact]
    public void Load_InvalidUtf8_FailsWithOffset()
    {
        File.WriteAllBytes(_dir.ConfigFile, [.. Encoding.UTF8.GetBytes("{\"a\": \""), 0xFF, .. Encoding.UTF8.GetBytes("\"}")]);

        Assert.Equal(_dir.Wrapped("failed to decode configuration JSON at offset 7: encoding: invalid UTF-8"), _dir.Error(null));
    }

    [Fact]
    public void Load_BadJson_FailsWithOffset()
    {
        string e = _dir.Error("{\n  \"debug\": true,\n}");

        Assert.Equal(_dir.Wrapped("failed to decode configuration JSON at offset 19: invalid character '}' looking for beginning of object key string"), e);
    }

    [Fact]
    public void Load_BadJsonAfterLeadingWhitespace_OffsetInFile()
    {
        Assert.Equal(_dir.Wrapped("failed to decode configuration JSON at offset 4: unexpected end of JSON input"), _dir.Error("\n\n {"));
    }

    [Fact]
    public void Load_NotAnObject_FailsLikeGo()
    {
        Assert.Equal(_dir.Wrapped("json: cannot unmarshal array into Go value of type map[string]interface {}"), _dir.Error("[]"));
    }

    [Fact]
    public void Load_DuplicateKey_Refused()
    {
        Assert.Equal(_dir.Wrapped("duplicate key \"debug\" in configuration JSON"), _dir.Error("{\"debug\": true, \"debug\": false}"));
    }

    [Fact]
    public void Load_DuplicateKeyDifferingInCase_Refused()
    {
        Assert.Equal(_dir.Wrapped("duplicate key \"Debug\" in configuration JSON: keys that differ only in case (first given as \"debug\") are refused"),
            _dir.Error("{\"debug\": true, \"Debug\": false}"));
    }

    [Fact]
    public void Load_NestedDuplicateKey_RefusedWithPath()
    {
        Assert.Equal(_dir.Wrapped("duplicate key \"log-opts.max-size\" in configuration JSON"),
            _dir.Error("{\"log-opts\": {\"max-size\": \"1m\", \"max-size\": \"2m\"}}"));
    }

    // ---- unknown, unsupported and refused keys ----

    [Fact]
    public void Load_UnknownKeys_SortedInOneMessage()
    {
        Assert.Equal(_dir.Wrapped("the following directives don't match any configuration option: a-unknown, b-unknown"),
            _dir.Error("{\"b-unknown\": 1, \"a-unknown\": 2}"));
    }

    [Theory]
    [InlineData("label", "labels")]
    [InlineData("host", "hosts")]
    [InlineData("default-ulimit", "default-ulimits")]
    [InlineData("insecure-registry", "insecure-registries")]
    [InlineData("registry-mirror", "registry-mirrors")]
    [InlineData("log-opt", "log-opts")]
    [InlineData("add-runtime", "runtimes")]
    public void Load_FlagNameAsKey_IsUnknownWithHint(string flagName, string key)
    {
        Assert.Equal(_dir.Wrapped($"the following directives don't match any configuration option: {flagName}\n\"{flagName}\" is the command-line flag name; the daemon.json key is \"{key}\""),
            _dir.Error($"{{\"{flagName}\": []}}"));
    }

    [Fact]
    public void Load_DnsOptFlagName_IsUnknown()
    {
        Assert.Equal(_dir.Wrapped("the following directives don't match any configuration option: dns-opt"), _dir.Error("{\"dns-opt\": [\"x\"]}"));
    }

    [Fact]
    public void Load_FlagOnlyNameAsKey_IsUnknownWithHint()
    {
        Assert.Equal(_dir.Wrapped("the following directives don't match any configuration option: validate\n\"validate\" is a command-line flag; it has no daemon.json key"),
            _dir.Error("{\"validate\": true}"));
    }

    [Fact]
    public void Load_CaseVariantKey_IsUnknownWithHint()
    {
        Assert.Equal(_dir.Wrapped("the following directives don't match any configuration option: Debug\n\"Debug\": keys are case-sensitive, the key is \"debug\""),
            _dir.Error("{\"Debug\": true}"));
    }

    [Fact]
    public void Load_AuthorizationPluginFlagNameAsKey_IsUnknownAndPointsToPolicy()
    {
        string e = _dir.Error("{\"authorization-plugin\": [\"opa-docker-authz\"]}");

        Assert.StartsWith(_dir.Wrapped("the following directives don't match any configuration option: authorization-plugin\n\"authorization-plugin\" is not supported: moatd does not load authorization plugins"), e);
        Assert.Contains("\"authorization-policy\"", e);
    }

    [Fact]
    public void Load_AuthorizationPluginsKey_RefusedPointingToPolicy()
    {
        Assert.Equal(_dir.Wrapped(DaemonConfigLoader.AuthorizationPluginsRefusal("\"authorization-plugins\"")),
            _dir.Error("{\"authorization-plugins\": [\"opa-docker-authz\"]}"));
    }

    [Fact]
    public void Load_DockerdKeyMoatdLacks_RefusedByName()
    {
        Assert.Equal(_dir.Wrapped("the following directives are not supported by moatd: iptables, storage-driver"),
            _dir.Error("{\"storage-driver\": \"overlay2\", \"iptables\": false}"));
    }

    [Fact]
    public void Load_Proxies_FlattenedLikeDockerd()
    {
        Assert.Equal(_dir.Wrapped("the following directives are not supported by moatd: http-proxy"),
            _dir.Error("{\"proxies\": {\"http-proxy\": \"http://p:3128\"}}"));
    }

    [Fact]
    public void Load_ObjectUnderOtherKey_NotFlattened()
    {
        Assert.Equal(_dir.Wrapped("the following directives don't match any configuration option: foo"), _dir.Error("{\"foo\": {\"debug\": true}}"));
    }

    [Fact]
    public void Load_FeaturesAndBuilder_IgnoredWithWarning()
    {
        var s = _dir.Load("{\"features\": {\"buildkit\": true}, \"builder\": {\"gc\": {\"enabled\": true}}}");

        Assert.Contains("\"features\" is ignored: moatd has no use for it", s.Warnings);
        Assert.Contains("\"builder\" is ignored: moatd has no use for it", s.Warnings);
    }

    // ---- flag/file conflicts ----

    [Fact]
    public void Load_HostsInFlagAndFile_ConflictGoFormatted()
    {
        Assert.Equal(_dir.Wrapped("the following directives are specified both as a flag and in the configuration file: hosts: (from flag: [fd://], from file: [tcp://0.0.0.0:2376])"),
            _dir.Error("{\"hosts\": [\"tcp://0.0.0.0:2376\"]}", "-H", "fd://"));
    }

    [Fact]
    public void Load_SeveralConflicts_InFlagNameOrder()
    {
        Assert.Equal(_dir.Wrapped("the following directives are specified both as a flag and in the configuration file: debug: (from flag: true, from file: false), labels: (from flag: [a=1], from file: [b=2]), log-level: (from flag: warn, from file: debug)"),
            _dir.Error("{\"log-level\": \"debug\", \"labels\": [\"b=2\"], \"debug\": false}", "--label", "a=1", "-l", "warn", "-D"));
    }

    [Fact]
    public void Load_UlimitConflict_FormatsBothSides()
    {
        Assert.Equal(_dir.Wrapped("the following directives are specified both as a flag and in the configuration file: default-ulimits: (from flag: [nofile=1:2], from file: map[nofile:map[Hard:64000 Name:nofile Soft:64000]])"),
            _dir.Error("{\"default-ulimits\": {\"nofile\": {\"Name\": \"nofile\", \"Hard\": 64000, \"Soft\": 64000}}}", "--default-ulimit", "nofile=1:2"));
    }

    [Fact]
    public void Load_UnknownKeysReportedBeforeConflicts()
    {
        Assert.Equal(_dir.Wrapped("the following directives don't match any configuration option: zzz"), _dir.Error("{\"debug\": true, \"zzz\": 1}", "-D"));
    }

    [Fact]
    public void Load_RuntimesInFlagAndFile_Merged()
    {
        var s = _dir.Load("{\"runtimes\": {\"kata\": {\"path\": \"/usr/bin/kata\", \"runtimeArgs\": [\"--debug\"]}}}", "--add-runtime", "gvisor=/usr/bin/runsc");

        Assert.Equal(new RuntimeSettings("/usr/bin/kata", ["--debug"]).Path, s.Runtimes["kata"].Path);
        Assert.Equal(["--debug"], s.Runtimes["kata"].RuntimeArgs);
        Assert.Equal("/usr/bin/runsc", s.Runtimes["gvisor"].Path);
    }

    // ---- merge ----

    [Fact]
    public void Load_FileBoolFalse_WinsOverTrueDefault()
    {
        Assert.False(_dir.Load("{\"icc\": false}").Icc);
    }

    [Fact]
    public void Load_FileValuesAndFlags_Combine()
    {
        var s = _dir.Load("{\"data-root\": \"/srv/moat\", \"log-level\": \"debug\", \"live-restore\": true}", "--exec-root", "/run/moat", "-D");

        Assert.Equal("/srv/moat", s.DataRoot);
        Assert.Equal("/run/moat", s.ExecRoot);
        Assert.Equal("debug", s.LogLevel);
        Assert.True(s.LiveRestore);
        Assert.True(s.Debug);
        Assert.Equal(["data-root", "live-restore", "log-level"], s.FileKeys.Order());
    }

    [Fact]
    public void Load_InitAndInitPath_FromFileAndFlags()
    {
        var defaults = _dir.LoadArgs();
        Assert.False(defaults.Init);
        Assert.Null(defaults.InitPath);
        var file = _dir.Load("{\"init\": true, \"init-path\": \"/usr/bin/tini-static\"}");
        Assert.True(file.Init);
        Assert.Equal("/usr/bin/tini-static", file.InitPath);
        var flags = _dir.LoadArgs("--init", "--init-path", "/opt/docker-init");
        Assert.True(flags.Init);
        Assert.Equal("/opt/docker-init", flags.InitPath);
    }

    [Fact]
    public void Load_EmptyStringInFile_FallsBackToDefault()
    {
        Assert.Equal("/var/lib/docker", _dir.Load("{\"data-root\": \"\"}").DataRoot);
    }

    [Fact]
    public void Load_AllKeys_Parsed()
    {
        File.WriteAllText(_dir.Combine("seccomp.json"), "{}");
        var s = _dir.Load($$$"""
            {
              "hosts": ["unix:///run/moat.sock", "tcp://127.0.0.1:2376"],
              "tls": true, "tlsverify": true,
              "tlscacert": "/etc/moat/ca.pem", "tlscert": "/etc/moat/cert.pem", "tlskey": "/etc/moat/key.pem",
              "debug": true, "log-level": "warn", "log-format": "json", "group": "moat",
              "data-root": "/var/lib/moat", "exec-root": "/run/moat", "pidfile": "/run/moat.pid",
              "default-runtime": "kata", "runtimes": {"kata": {"path": "/usr/bin/kata-runtime"}},
              "live-restore": true, "no-new-privileges": true, "userns-remap": "default", "icc": false,
              "seccomp-profile": "{{{_dir.Combine("seccomp.json")}}}",
              "default-ulimits": {"nofile": {"Name": "nofile", "Hard": 64000, "Soft": 1024}},
              "log-driver": "local", "log-opts": {"max-size": "10m"},
              "labels": ["env=prod", "env=prod", "team=core"],
              "insecure-registries": ["registry.local:5000", "10.0.0.0/8"],
              "registry-mirrors": ["https://mirror.example.com"],
              "tls-min-version": "1.3", "tlscrl": "/etc/moat/crl.pem",
              "authorization-policy": "/etc/moat/policy.json", "audit-log": "/var/log/moat/a.log",
              "experimental": false
            }
            """);

        Assert.Equal(["tcp://127.0.0.1:2376", "unix:///run/moat.sock"], s.Hosts);
        Assert.Equal([HostAddressKind.Tcp, HostAddressKind.Unix], s.HostAddresses.Select(h => h.Kind));
        Assert.True(s.Tls && s.TlsVerify && s.TlsExplicit && s.TlsVerifyExplicit);
        Assert.Equal(("/etc/moat/ca.pem", "/etc/moat/cert.pem", "/etc/moat/key.pem"), (s.TlsCaCert, s.TlsCert, s.TlsKey));
        Assert.True(s.Debug);
        Assert.Equal(("warn", "json", "moat"), (s.LogLevel, s.LogFormat, s.Group));
        Assert.Equal(("/var/lib/moat", "/run/moat", "/run/moat.pid"), (s.DataRoot, s.ExecRoot, s.PidFile));
        Assert.Equal("kata", s.DefaultRuntime);
        Assert.Equal("/usr/bin/kata-runtime", s.Runtimes["kata"].Path);
        Assert.True(s.LiveRestore);
        Assert.True(s.NoNewPrivileges);
        Assert.Equal("default", s.UsernsRemap);
        Assert.False(s.Icc);
        Assert.Equal(_dir.Combine("seccomp.json"), s.SeccompProfile);
        Assert.Equal(new UlimitSettings("nofile", 1024, 64000), s.DefaultUlimits["nofile"]);
        Assert.Equal("local", s.LogDriver);
        Assert.Equal("10m", s.LogOpts["max-size"]);
        Assert.Equal(["env=prod", "team=core"], s.Labels);
        Assert.Equal(["registry.local:5000", "10.0.0.0/8"], s.InsecureRegistries);
        Assert.Equal(["https://mirror.example.com/"], s.RegistryMirrors);
        Assert.Equal("1.3", s.TlsMinVersion);
        Assert.Equal("/etc/moat/crl.pem", s.TlsCrl);
        Assert.Equal("/etc/moat/policy.json", s.AuthorizationPolicy);
        Assert.Equal("/var/log/moat/a.log", s.AuditLog);
    }

    // ---- types ----

    [Theory]
    [InlineData("{\"debug\": \"yes\"}", "json: cannot unmarshal string into Go struct field Config.debug of type bool")]
    [InlineData("{\"debug\": null}", "json: cannot unmarshal null into Go struct field Config.debug of type bool")]
    [InlineData("{\"log-level\": 3}", "json: cannot unmarshal number into Go struct field Config.log-level of type string")]
    [InlineData("{\"hosts\": \"tcp://1.2.3.4:2376\"}", "json: cannot unmarshal string into Go struct field Config.hosts of type []string")]
    [InlineData("{\"labels\": [1]}", "json: cannot unmarshal number into Go struct field Config.labels of type string")]
    [InlineData("{\"log-opts\": {\"max-file\": 3}}", "json: cannot unmarshal number into Go struct field Config.log-opts of type string")]
    [InlineData("{\"log-opts\": []}", "json: cannot unmarshal array into Go struct field Config.log-opts of type map[string]string")]
    [InlineData("{\"default-ulimits\": {\"nofile\": {\"Soft\": \"1\"}}}", "json: cannot unmarshal string into Go struct field Ulimit.default-ulimits.Soft of type int64")]
    [InlineData("{\"default-ulimits\": {\"nofile\": {\"Soft\": 1.5}}}", "json: cannot unmarshal number 1.5 into Go struct field Ulimit.default-ulimits.Soft of type int64")]
    [InlineData("{\"default-ulimits\": {\"nofile\": {\"Soft\": 1, \"Max\": 2}}}", "json: unknown field \"Max\" in default-ulimits.nofile")]
    [InlineData("{\"default-ulimits\": {\"nofile\": {\"Name\": \"nproc\", \"Soft\": 1, \"Hard\": 1}}}", "default-ulimits: the entry \"nofile\" has Name \"nproc\"; they must be the same")]
    [InlineData("{\"default-ulimits\": {\"bogus\": {\"Soft\": 1, \"Hard\": 1}}}", "invalid ulimit type: bogus")]
    [InlineData("{\"default-ulimits\": {\"nofile\": {\"Soft\": 2, \"Hard\": 1}}}", "ulimit soft limit must be less than or equal to hard limit: 2 > 1")]
    [InlineData("{\"runtimes\": {\"kata\": {}}}", "runtime kata: either a runtimeType or a path must be configured")]
    [InlineData("{\"runtimes\": {\"kata\": {\"runtimeType\": \"io.containerd.kata.v2\"}}}", "runtime kata: \"runtimeType\" is not supported by moatd; give the runtime's \"path\" (and \"runtimeArgs\")")]
    [InlineData("{\"runtimes\": {\"kata\": {\"path\": \"/x\", \"args\": []}}}", "json: unknown field \"args\" in runtimes.kata")]
    [InlineData("{\"runtimes\": {\"kata\": \"/x\"}}", "json: cannot unmarshal string into Go struct field Config.runtimes of type system.Runtime")]
    public void Load_WrongType_ErrorNamesTheKey(string json, string expected)
    {
        Assert.Equal(_dir.Wrapped(expected), _dir.Error(json));
    }

    [Fact]
    public void Load_UlimitFieldsCaseInsensitive_NameDefaultsToKey()
    {
        var s = _dir.Load("{\"default-ulimits\": {\"nproc\": {\"soft\": 100, \"hard\": -1}}}");

        Assert.Equal(new UlimitSettings("nproc", 100, -1), s.DefaultUlimits["nproc"]);
    }

    // ---- validation ----

    [Fact]
    public void Load_BadLogLevelInFile_WrappedAsMergedValidation()
    {
        Assert.Equal(_dir.Wrapped("merged configuration validation from file and command line flags failed: invalid logging level: loud"),
            _dir.Error("{\"log-level\": \"loud\"}"));
    }

    [Fact]
    public void Load_BadLogLevelFlagWithoutFile_Unwrapped()
    {
        Assert.Equal("invalid logging level: loud", _dir.ArgsError("--log-level", "loud"));
    }

    [Fact]
    public void Load_LogLevelCaseInsensitive()
    {
        Assert.Equal("warn", _dir.Load("{\"log-level\": \"WARN\"}").LogLevel);
    }

    [Theory]
    [InlineData("{\"log-level\": \"warn\"}", Microsoft.Extensions.Logging.LogLevel.Warning)]
    [InlineData("{\"log-level\": \"error\"}", Microsoft.Extensions.Logging.LogLevel.Error)]
    [InlineData("{\"log-level\": \"fatal\"}", Microsoft.Extensions.Logging.LogLevel.Critical)]
    [InlineData("{\"log-level\": \"error\", \"debug\": true}", Microsoft.Extensions.Logging.LogLevel.Debug)]
    [InlineData("{}", Microsoft.Extensions.Logging.LogLevel.Information)]
    public void Load_MinimumLogLevel_DebugWins(string json, Microsoft.Extensions.Logging.LogLevel expected)
    {
        Assert.Equal(expected, _dir.Load(json).MinimumLogLevel);
    }

    [Fact]
    public void Load_BadLogFormat_Wrapped()
    {
        Assert.Equal(_dir.Wrapped("merged configuration validation from file and command line flags failed: invalid log format: xml"),
            _dir.Error("{\"log-format\": \"xml\"}"));
    }

    [Fact]
    public void Load_BadHostInFile_WrappedAsMergedValidation()
    {
        Assert.Equal(_dir.Wrapped("merged configuration validation from file and command line flags failed: invalid bind address (tcp://0.0.0.0:2376/x): should not contain a path element"),
            _dir.Error("{\"hosts\": [\"tcp://0.0.0.0:2376/x\"]}"));
    }

    [Fact]
    public void Load_LabelWithoutEquals_Wrapped()
    {
        Assert.Equal(_dir.Wrapped("merged configuration validation from file and command line flags failed: bad attribute format: novalue"),
            _dir.Error("{\"labels\": [\"novalue\"]}"));
    }

    [Fact]
    public void Load_ConflictingLabels_Refused()
    {
        Assert.Equal("conflict labels for k=v2 and k=v1", _dir.Error("{\"labels\": [\"k=v1\", \"k=v2\"]}"));
    }

    [Fact]
    public void Load_ConflictingLabelsFromFlags_Refused()
    {
        Assert.Equal("conflict labels for k=v2 and k=v1", _dir.ArgsError("--label", "k=v1", "--label", "k=v2"));
    }

    [Fact]
    public void Load_BadTlsMinVersion_Refused()
    {
        Assert.Equal(_dir.Wrapped("merged configuration validation from file and command line flags failed: invalid tls-min-version: \"1.1\" (use \"1.2\" or \"1.3\")"),
            _dir.Error("{\"tls-min-version\": \"1.1\"}"));
    }

    [Fact]
    public void Load_ReservedRuntimeNameInFile_Refused()
    {
        Assert.Equal(_dir.Wrapped("merged configuration validation from file and command line flags failed: runtime name 'crun' is reserved"),
            _dir.Error("{\"runtimes\": {\"crun\": {\"path\": \"/usr/bin/crun\"}}}"));
    }

    [Fact]
    public void Load_UnknownDefaultRuntime_Refused()
    {
        Assert.Equal("specified default runtime 'kata' does not exist", _dir.Error("{\"default-runtime\": \"kata\"}"));
    }

    [Fact]
    public void Load_CrunDefaultRuntime_Builtin()
    {
        Assert.Equal("crun", _dir.Load("{\"default-runtime\": \"crun\"}").DefaultRuntime);
    }

    [Fact]
    public void Load_MissingSeccompProfile_Refused()
    {
        Assert.Equal("opening seccomp profile (/nonexistent/p.json) failed: open /nonexistent/p.json: no such file or directory",
            _dir.Error("{\"seccomp-profile\": \"/nonexistent/p.json\"}"));
    }

    [Fact]
    public void Load_Registries_NormalizedWithWarnings()
    {
        var s = _dir.Load("{\"insecure-registries\": [\"http://reg.local:5000\"], \"registry-mirrors\": [\"https://m.example.com/\"]}");

        Assert.Equal(["reg.local:5000"], s.InsecureRegistries);
        Assert.Equal(["https://m.example.com/"], s.RegistryMirrors);
        Assert.Contains(s.Warnings, w => w.Contains("'http://' has been removed", StringComparison.Ordinal));
    }

    [Fact]
    public void Load_MirrorWithCredentials_RefusedMasked()
    {
        Assert.Equal(_dir.Wrapped("merged configuration validation from file and command line flags failed: invalid mirror: username/password not allowed in URI \"https://u:xxxxx@m.example.com\""),
            _dir.Error("{\"registry-mirrors\": [\"https://u:secret@m.example.com\"]}"));
    }

    // ---- hosts ----

    [Fact]
    public void Load_Hosts_DeduplicatedAndSorted()
    {
        var s = _dir.Load("{}", "-H", "unix:///b.sock", "-H", "tcp://127.0.0.1:2375", "-H", "tcp://127.0.0.1", "-H", "unix:///a.sock");

        Assert.Equal(["tcp://127.0.0.1:2375", "unix:///a.sock", "unix:///b.sock"], s.Hosts);
        Assert.Equal(s.Hosts, s.HostAddresses.Select(h => h.Normalized));
    }

    // ---- TLS implication rules ----

    [Theory]
    [InlineData(new string[0], null, false, false, false, "unix:///var/run/docker.sock")]
    [InlineData(new[] { "--tls" }, null, true, true, true, "tcp://localhost:2376")]
    [InlineData(new[] { "--tlsverify" }, null, true, true, true, "tcp://localhost:2376")]
    [InlineData(new[] { "--tlsverify=false" }, null, true, false, true, "tcp://localhost:2376")]
    [InlineData(new[] { "--tls", "--tlsverify=false" }, null, true, false, true, "tcp://localhost:2376")]
    [InlineData(new[] { "--tls=false" }, null, false, false, true, "unix:///var/run/docker.sock")]
    [InlineData(new[] { "--tls=false", "--tlsverify" }, null, true, true, true, "tcp://localhost:2376")]
    [InlineData(new string[0], "{\"tls\": true}", true, true, true, "tcp://localhost:2376")]
    [InlineData(new string[0], "{\"tls\": false}", false, false, true, "unix:///var/run/docker.sock")]
    [InlineData(new string[0], "{\"tlsverify\": true}", true, true, true, "unix:///var/run/docker.sock")]
    [InlineData(new string[0], "{\"tlsverify\": false}", true, false, true, "unix:///var/run/docker.sock")]
    [InlineData(new string[0], "{\"tls\": true, \"tlsverify\": false}", true, false, true, "tcp://localhost:2376")]
    [InlineData(new[] { "--tls" }, "{\"tlsverify\": false}", true, false, true, "tcp://localhost:2376")]
    public void Load_TlsImplications(string[] args, string? json, bool tls, bool verify, bool tlsExplicit, string host)
    {
        var s = _dir.Load(json ?? "{}", args);

        Assert.Equal(tls, s.Tls);
        Assert.Equal(verify, s.TlsVerify);
        Assert.Equal(tlsExplicit, s.TlsExplicit);
        Assert.Equal([host], s.Hosts);
    }

    [Fact]
    public void Load_DockerTlsVerifyEnvAlone_DoesNotEnableTls()
    {
        _dir.Env["DOCKER_TLS_VERIFY"] = "1";

        var s = _dir.Load("{}");

        Assert.False(s.Tls);
        Assert.False(s.TlsExplicit);
        Assert.Equal(["unix:///var/run/docker.sock"], s.Hosts);
    }

    [Fact]
    public void Load_DockerTlsVerifyEnvWithTlsInFile_UsesDefaultCertDir()
    {
        _dir.Env["DOCKER_TLS_VERIFY"] = "1";
        string ca = _dir.Write("home/.docker/ca.pem", "x");
        string cert = _dir.Write("home/.docker/cert.pem", "x");
        string key = _dir.Write("home/.docker/key.pem", "x");

        var s = _dir.Load("{\"tls\": true}");

        Assert.Equal((ca, cert, key), (s.TlsCaCert, s.TlsCert, s.TlsKey));
    }

    [Fact]
    public void Load_TlsFlag_DefaultsCertPathsFromHome()
    {
        string ca = _dir.Write("home/.docker/ca.pem", "x");
        string cert = _dir.Write("home/.docker/cert.pem", "x");
        string key = _dir.Write("home/.docker/key.pem", "x");

        var s = _dir.Load("{}", "--tls");

        Assert.Equal((ca, cert, key), (s.TlsCaCert, s.TlsCert, s.TlsKey));
    }

    [Fact]
    public void Load_TlsFlagWithoutDefaultFiles_CertAndKeyEmptyCaKept()
    {
        var s = _dir.Load("{}", "--tlsverify");

        Assert.Equal(_dir.Combine("home", ".docker", "ca.pem"), s.TlsCaCert);
        Assert.Null(s.TlsCert);
        Assert.Null(s.TlsKey);
    }

    [Fact]
    public void Load_DockerCertPath_WinsOverDockerConfig()
    {
        _dir.Env["DOCKER_CERT_PATH"] = _dir.Combine("certs");
        _dir.Env["DOCKER_CONFIG"] = _dir.Combine("cfg");
        string cert = _dir.Write("certs/cert.pem", "x");
        _dir.Write("cfg/cert.pem", "x");

        var s = _dir.Load("{}", "--tls");

        Assert.Equal(cert, s.TlsCert);
        Assert.Equal(_dir.Combine("certs", "ca.pem"), s.TlsCaCert);
    }

    [Fact]
    public void Load_DockerConfig_UsedWithoutCertPath()
    {
        _dir.Env["DOCKER_CONFIG"] = _dir.Combine("cfg");
        string key = _dir.Write("cfg/key.pem", "x");

        Assert.Equal(key, _dir.Load("{}", "--tls").TlsKey);
    }

    [Fact]
    public void Load_TlsOnlyInFile_NoDefaultCertPaths()
    {
        _dir.Write("home/.docker/cert.pem", "x");

        var s = _dir.Load("{\"tlsverify\": true}");

        Assert.Null(s.TlsCert);
        Assert.Null(s.TlsKey);
        Assert.Null(s.TlsCaCert);
    }

    [Fact]
    public void Load_FileCertPathsWinOverFlagDefaults()
    {
        _dir.Write("home/.docker/cert.pem", "x");

        var s = _dir.Load("{\"tlscert\": \"/etc/moat/cert.pem\"}", "--tls");

        Assert.Equal("/etc/moat/cert.pem", s.TlsCert);
    }

    [Fact]
    public void Load_TlsFlagAndFile_Conflict()
    {
        Assert.Equal(_dir.Wrapped("the following directives are specified both as a flag and in the configuration file: tls: (from flag: true, from file: true)"),
            _dir.Error("{\"tls\": true}", "--tls"));
    }

    // ---- reload ----

    [Fact]
    public void Reload_AppliesReloadableKeysOnly()
    {
        var start = _dir.Load("{\"debug\": false, \"labels\": [\"a=1\"], \"log-level\": \"info\"}", "-H", "unix:///x.sock");
        _dir.Write("daemon.json", "{\"debug\": true, \"labels\": [\"b=2\"], \"log-level\": \"error\", \"live-restore\": true, \"hosts\": [\"tcp://0.0.0.0:2375\"]}".Replace(", \"hosts\": [\"tcp://0.0.0.0:2375\"]", ""));

        var next = DaemonConfigLoader.Reload(start);

        Assert.True(next.Debug);
        Assert.Equal(["b=2"], next.Labels);
        Assert.True(next.LiveRestore);
        Assert.Equal("info", next.LogLevel);
        Assert.Equal(start.Hosts, next.Hosts);
    }

    [Fact]
    public void Reload_KeyRemovedFromFile_KeepsCurrentValue()
    {
        var start = _dir.Load("{\"debug\": true}");
        _dir.Write("daemon.json", "{}");

        Assert.True(DaemonConfigLoader.Reload(start).Debug);
    }

    [Fact]
    public void Reload_ConflictWithOriginalFlags_Throws()
    {
        var start = _dir.Load("{}", "-D");
        _dir.Write("daemon.json", "{\"debug\": false}");

        var e = Assert.Throws<ConfigurationException>(() => DaemonConfigLoader.Reload(start));

        Assert.Equal(_dir.Wrapped("the following directives are specified both as a flag and in the configuration file: debug: (from flag: true, from file: false)"), e.Message);
    }

    [Fact]
    public void Reload_InvalidValue_ThrowsFileValidation()
    {
        var start = _dir.Load("{}");
        _dir.Write("daemon.json", "{\"log-level\": \"loud\"}");

        Assert.Equal("file configuration validation failed: invalid logging level: loud",
            Assert.Throws<ConfigurationException>(() => DaemonConfigLoader.Reload(start)).Message);
    }

    [Fact]
    public void Reload_Runtimes_ReplacedAndDefaultChecked()
    {
        var start = _dir.Load("{}");
        _dir.Write("daemon.json", "{\"runtimes\": {\"kata\": {\"path\": \"/usr/bin/kata\"}}, \"default-runtime\": \"kata\", \"authorization-policy\": \"/etc/moat/p.json\"}");

        var next = DaemonConfigLoader.Reload(start);

        Assert.Equal("kata", next.DefaultRuntime);
        Assert.Equal("/usr/bin/kata", next.Runtimes["kata"].Path);
        Assert.Equal("/etc/moat/p.json", next.AuthorizationPolicy);
    }

    [Fact]
    public void ReloadableKeys_AreDocumentedSet()
    {
        Assert.Equal(["debug", "default-runtime", "runtimes", "live-restore", "labels", "insecure-registries", "registry-mirrors", "authorization-policy"],
            DaemonConfigLoader.ReloadableKeys);
    }
}
