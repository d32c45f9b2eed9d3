using System.Text.Json;

namespace Moat.Daemon.Configuration;

/// <summary>
/// Flags + daemon.json → <see cref="DaemonSettings"/>, following dockerd 28 (moby <c>cmd/dockerd/daemon.go</c>
/// <c>loadDaemonCliConfig</c> and <c>daemon/config/config.go</c>) step by step, with the same error texts.
/// Stricter than dockerd where dockerd silently ignores configuration: see docs/configuration.md.
/// </summary>
public static class DaemonConfigLoader
{
    /// <summary>Runtimes that always exist; their names cannot be redefined.</summary>
    public static readonly IReadOnlySet<string> BuiltinRuntimes = new HashSet<string>(StringComparer.Ordinal) { "runc", "crun" };

    /// <summary>The daemon.json keys a SIGHUP reload applies; everything else needs a restart (as in dockerd).</summary>
    public static IReadOnlyList<string> ReloadableKeys { get; } = ConfigKeys.ReloadableKeys.ToList();

    private static readonly string[] LogLevels = ["panic", "fatal", "error", "warn", "info", "debug", "trace"];

    public static DaemonSettings Load(string[] args) => Load(CommandLine.Parse(args), Environment.GetEnvironmentVariable);

    /// <summary>Loads with an explicit environment (DOCKER_TLS_VERIFY, DOCKER_CERT_PATH, DOCKER_CONFIG, HOME).</summary>
    public static DaemonSettings Load(CommandLine cl, Func<string, string?> getEnv) => Load(cl, getEnv, DaemonSettings.DefaultConfigFile);

    /// <summary>As <see cref="Load(CommandLine, Func{string, string?})"/> with another default file (tests).</summary>
    internal static DaemonSettings Load(CommandLine cl, Func<string, string?> getEnv, string defaultConfigFile)
    {
        // 1. Flags, then dockerd's setDefaultOptions (TLS implication rules and default cert paths).
        var flagValues = FlagValues(cl);
        var (flagTls, flagTlsVerify) = ApplyTlsFlagRules(cl, getEnv, flagValues);

        // 2. The configuration file, checked against the flags.
        string configFile = cl.GetString("config-file") ?? defaultConfigFile;
        bool configFileExplicit = cl.Changed("config-file");
        string wrap = $"unable to configure the Docker daemon with file {configFile}: ";
        FileConfig? file = null;
        if (configFile.Length > 0) // --config-file "" means no file, as in dockerd
        {
            try
            {
                file = ReadFile(configFile, cl);
            }
            catch (ConfigurationException e)
            {
                throw new ConfigurationException(wrap + e.Message);
            }
            if (file is null && configFileExplicit) throw new ConfigurationException(wrap + $"open {configFile}: no such file or directory");
        }

        // 3. Merge: file values first, flags (given or default) fill what the file leaves empty; bools in the file win.
        var values = Merge(file?.Values, flagValues);
        bool? tls = file?.Values.TryGetValue("tls", out var ft) == true ? (bool)ft : flagTls;
        bool? tlsVerify = file?.Values.TryGetValue("tlsverify", out var fv) == true ? (bool)fv : flagTlsVerify;

        // 4. Validate; on the file path errors are wrapped as dockerd's MergeDaemonConfigurations does.
        var warnings = new List<string>();
        try
        {
            Validate(values, warnings);
        }
        catch (ConfigurationException e) when (file is not null)
        {
            throw new ConfigurationException(wrap + "merged configuration validation from file and command line flags failed: " + e.Message);
        }

        // 5. Hosts: TLS as known at this point decides the default (a file-only "tlsverify" does not count yet).
        var hosts = NormalizeHosts((List<string>)values["hosts"], tls ?? false);

        // 6. Labels with the same key and different values.
        var labels = ConflictFreeLabels((List<string>)values["labels"]);

        // 7. Any explicit tlsverify turns TLS on; TLSVerify defaults to TLS (so --tls alone means mutual TLS).
        if (file?.Values.ContainsKey("tlsverify") == true) tls = true;
        if (tlsVerify is null && tls is not null) tlsVerify = tls;

        // 8. What dockerd checks when the daemon starts.
        var runtimes = (Dictionary<string, RuntimeSettings>)values["runtimes"];
        CheckDefaultRuntime(Str(values, "default-runtime"), runtimes);
        CheckSeccompProfile(Str(values, "seccomp-profile"));
        if (file is not null) warnings.AddRange(file.Warnings);
        if (values.TryGetValue("experimental", out var exp) && (bool)exp)
            warnings.Add("\"experimental\": true is ignored: moatd has no experimental API");

        return new DaemonSettings
        {
            Hosts = hosts.Select(h => h.Normalized).ToList(),
            HostAddresses = hosts,
            Tls = tls ?? false,
            TlsVerify = tls == true && (tlsVerify ?? true),
            TlsExplicit = tls is not null,
            TlsVerifyExplicit = cl.Changed("tlsverify") || file?.Values.ContainsKey("tlsverify") == true,
            TlsCaCert = NullIfEmpty(Str(values, "tlscacert")),
            TlsCert = NullIfEmpty(Str(values, "tlscert")),
            TlsKey = NullIfEmpty(Str(values, "tlskey")),
            Debug = (bool)values["debug"],
            LogLevel = Str(values, "log-level").ToLowerInvariant(),
            LogFormat = Str(values, "log-format"),
            Group = Str(values, "group"),
            DataRoot = Str(values, "data-root"),
            ExecRoot = Str(values, "exec-root"),
            PidFile = Str(values, "pidfile"),
            ConfigFile = configFile,
            ConfigFileExplicit = configFileExplicit,
            DefaultRuntime = Str(values, "default-runtime"),
            Runtimes = runtimes,
            LiveRestore = (bool)values["live-restore"],
            NoNewPrivileges = (bool)values["no-new-privileges"],
            UsernsRemap = NullIfEmpty(Str(values, "userns-remap")),
            Icc = (bool)values["icc"],
            Init = (bool)values["init"],
            InitPath = NullIfEmpty(Str(values, "init-path")),
            SeccompProfile = Str(values, "seccomp-profile"),
            DefaultUlimits = (Dictionary<string, UlimitSettings>)values["default-ulimits"],
            LogDriver = Str(values, "log-driver"),
            LogOpts = (Dictionary<string, string>)values["log-opts"],
            Labels = labels,
            InsecureRegistries = ((List<string>)values["insecure-registries"]).Select(r => RegistryValidation.InsecureRegistry(r, null)).Distinct().ToList(),
            RegistryMirrors = ((List<string>)values["registry-mirrors"]).Select(RegistryValidation.Mirror).Distinct().ToList(),
            TlsMinVersion = Str(values, "tls-min-version"),
            TlsCrl = NullIfEmpty(Str(values, "tlscrl")),
            AuthorizationPolicy = NullIfEmpty(Str(values, "authorization-policy")),
            AuditLog = Str(values, "audit-log"),
            DataEncryptionKeyFile = NullIfEmpty(Str(values, "data-encryption-key-file")),
            DefaultVolumeDriver = Str(values, "default-volume-driver"),
            Warnings = warnings,
            Args = cl.Args,
            FileKeys = file?.Keys ?? new HashSet<string>(),
        };
    }

    /// <summary>SIGHUP: re-reads the file with the same conflict checks against the original flags (<see cref="DaemonSettings.Args"/>).</summary>
    public static DaemonSettings Reload(DaemonSettings current) => Reload(current, current.Args);

    /// <summary>
    /// SIGHUP: re-reads the configuration file, checks it against <paramref name="originalArgs"/> as at start, and returns
    /// <paramref name="current"/> with the <see cref="ReloadableKeys"/> that the file sets replaced. Keys the file does not set keep
    /// their current value; other keys are ignored until restart. Throws <see cref="ConfigurationException"/> and changes nothing on error.
    /// </summary>
    public static DaemonSettings Reload(DaemonSettings current, IReadOnlyList<string> originalArgs)
    {
        var cl = CommandLine.Parse(originalArgs);
        string configFile = cl.GetString("config-file") ?? DaemonSettings.DefaultConfigFile;
        string wrap = $"unable to configure the Docker daemon with file {configFile}: ";
        FileConfig? file = null;
        if (configFile.Length > 0)
        {
            try
            {
                file = ReadFile(configFile, cl);
            }
            catch (ConfigurationException e)
            {
                throw new ConfigurationException(wrap + e.Message);
            }
            if (file is null && cl.Changed("config-file")) throw new ConfigurationException(wrap + $"open {configFile}: no such file or directory");
        }
        var fileValues = file?.Values ?? [];

        var values = Merge(fileValues, Defaults());
        var labels = ConflictFreeLabels((List<string>)values["labels"]);
        var warnings = new List<string>();
        try
        {
            Validate(values, warnings);
        }
        catch (ConfigurationException e)
        {
            throw new ConfigurationException("file configuration validation failed: " + e.Message);
        }

        var next = current with { FileKeys = file?.Keys ?? new HashSet<string>(), Warnings = [.. file?.Warnings ?? [], .. warnings] };
        if (fileValues.ContainsKey("debug")) next = next with { Debug = (bool)values["debug"] };
        if (fileValues.ContainsKey("labels")) next = next with { Labels = labels };
        if (fileValues.ContainsKey("live-restore")) next = next with { LiveRestore = (bool)values["live-restore"] };
        if (fileValues.ContainsKey("runtimes")) next = next with { Runtimes = (Dictionary<string, RuntimeSettings>)values["runtimes"] };
        if (fileValues.ContainsKey("default-runtime")) next = next with { DefaultRuntime = Str(values, "default-runtime") };
        if (fileValues.ContainsKey("insecure-registries"))
            next = next with { InsecureRegistries = ((List<string>)values["insecure-registries"]).Select(r => RegistryValidation.InsecureRegistry(r, null)).Distinct().ToList() };
        if (fileValues.ContainsKey("registry-mirrors"))
            next = next with { RegistryMirrors = ((List<string>)values["registry-mirrors"]).Select(RegistryValidation.Mirror).Distinct().ToList() };
        if (fileValues.ContainsKey("authorization-policy")) next = next with { AuthorizationPolicy = NullIfEmpty(Str(values, "authorization-policy")) };
        CheckDefaultRuntime(next.DefaultRuntime, next.Runtimes);
        return next;
    }

    /// <summary>The refusal of dockerd's authorization plugins, naming the flag or key that asked for them.</summary>
    public static string AuthorizationPluginsRefusal(string what) =>
        $"{what} is not supported: moatd does not load authorization plugins, it authorizes every API request itself; " +
        "set \"authorization-policy\" in daemon.json (or --authorization-policy) to a policy file instead, see docs/configuration.md";

    /// <summary>dockerd's <c>opts.ValidateLabel</c>.</summary>
    public static string ValidateLabel(string label)
    {
        if (!label.Contains('=')) throw new ConfigurationException($"bad attribute format: {label}");
        return label;
    }

    // ---- flags --------------------------------------------------------------------------------------------

    private static Dictionary<string, object> Defaults() => new(StringComparer.Ordinal)
    {
        ["hosts"] = new List<string>(),
        ["tlscacert"] = "",
        ["tlscert"] = "",
        ["tlskey"] = "",
        ["debug"] = false,
        ["log-level"] = "info",
        ["log-format"] = "text",
        ["group"] = "docker",
        ["data-root"] = "/var/lib/docker",
        ["exec-root"] = "/var/run/docker",
        ["pidfile"] = "/var/run/docker.pid",
        ["default-runtime"] = "runc",
        ["runtimes"] = new Dictionary<string, RuntimeSettings>(StringComparer.Ordinal),
        ["live-restore"] = false,
        ["no-new-privileges"] = false,
        ["userns-remap"] = "",
        ["icc"] = true,
        ["init"] = false,
        ["init-path"] = "",
        ["seccomp-profile"] = "builtin",
        ["default-ulimits"] = new Dictionary<string, UlimitSettings>(StringComparer.Ordinal),
        ["log-driver"] = "json-file",
        ["log-opts"] = new Dictionary<string, string>(StringComparer.Ordinal),
        ["labels"] = new List<string>(),
        ["insecure-registries"] = new List<string>(),
        ["registry-mirrors"] = new List<string>(),
        ["tls-min-version"] = "1.2",
        ["tlscrl"] = "",
        ["authorization-policy"] = "",
        ["audit-log"] = DaemonSettings.DefaultAuditLog,
        ["data-encryption-key-file"] = "",
        ["default-volume-driver"] = "local",
        ["experimental"] = false,
    };

    private static Dictionary<string, object> FlagValues(CommandLine cl)
    {
        var v = Defaults();
        foreach (var key in ConfigKeys.All)
        {
            if (key.Flag is null || key.Name is "tls" or "tlsverify" or "tlscacert" or "tlscert" or "tlskey") continue;
            switch (key.Type)
            {
                case ConfigValueType.Bool: v[key.Name] = cl.GetBool(key.Flag); break;
                case ConfigValueType.String:
                    if (cl.GetString(key.Flag) is { } s) v[key.Name] = s;
                    break;
                case ConfigValueType.StringList: v[key.Name] = cl.GetList(key.Flag).ToList(); break;
                case ConfigValueType.StringMap: v[key.Name] = new Dictionary<string, string>(cl.LogOpts, StringComparer.Ordinal); break;
                case ConfigValueType.Ulimits: v[key.Name] = new Dictionary<string, UlimitSettings>(cl.Ulimits, StringComparer.Ordinal); break;
                case ConfigValueType.Runtimes: v[key.Name] = new Dictionary<string, RuntimeSettings>(cl.Runtimes, StringComparer.Ordinal); break;
            }
        }
        return v;
    }

    /// <summary>
    /// dockerd's <c>setDefaultOptions</c> + the TLS part of <c>loadDaemonCliConfig</c>: any <c>--tlsverify</c> turns TLS on;
    /// <c>--tls</c> without <c>--tlsverify</c> verifies clients; cert paths default to <c>$DOCKER_CERT_PATH</c>, else
    /// <c>$DOCKER_CONFIG</c>, else <c>~/.docker</c> (ca.pem, cert.pem, key.pem) — only when TLS is on from the command line
    /// (or <c>DOCKER_TLS_VERIFY</c>), and cert/key only if the default file exists. Returns dockerd's <c>conf.TLS</c>/<c>conf.TLSVerify</c>.
    /// </summary>
    private static (bool? Tls, bool? TlsVerify) ApplyTlsFlagRules(CommandLine cl, Func<string, string?> getEnv, Dictionary<string, object> v)
    {
        bool tlsVerify = cl.Changed("tlsverify") ? cl.GetBool("tlsverify") : !string.IsNullOrEmpty(getEnv("DOCKER_TLS_VERIFY"));
        bool tls = cl.GetBool("tls");
        if (cl.Changed("tlsverify") || tlsVerify) tls = true;
        if (tls && !cl.Changed("tlsverify")) tlsVerify = true;

        if (tls)
        {
            string dir = CertDirectory(getEnv);
            v["tlscacert"] = cl.GetString("tlscacert") ?? Path.Combine(dir, "ca.pem");
            v["tlscert"] = cl.GetString("tlscert") ?? ExistingOrEmpty(Path.Combine(dir, "cert.pem"));
            v["tlskey"] = cl.GetString("tlskey") ?? ExistingOrEmpty(Path.Combine(dir, "key.pem"));
        }

        bool? confTls = cl.Changed("tls") ? tls : null;
        bool? confTlsVerify = null;
        if (cl.Changed("tlsverify"))
        {
            confTlsVerify = tlsVerify;
            confTls = true;
        }
        return (confTls, confTlsVerify);
    }

    /// <summary>The default directory of ca.pem/cert.pem/key.pem.</summary>
    internal static string CertDirectory(Func<string, string?> getEnv)
    {
        if (getEnv("DOCKER_CERT_PATH") is { Length: > 0 } certPath) return certPath;
        if (getEnv("DOCKER_CONFIG") is { Length: > 0 } configDir) return configDir;
        string home = getEnv("HOME") is { Length: > 0 } h ? h : Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        return Path.Combine(home, ".docker");
    }

    private static string ExistingOrEmpty(string path) => File.Exists(path) || Directory.Exists(path) ? path : "";

    // ---- file ---------------------------------------------------------------------------------------------

    private sealed class FileConfig
    {
        public Dictionary<string, object> Values { get; } = new(StringComparer.Ordinal);
        public HashSet<string> Keys { get; } = new(StringComparer.Ordinal);
        public List<string> Warnings { get; } = [];
    }

    /// <summary>dockerd's <c>getConflictFreeConfiguration</c>: null when the file does not exist.</summary>
    private static FileConfig? ReadFile(string path, CommandLine cl)
    {
        var members = ConfigFileReader.Read(path);
        if (members is null) return null;

        // Flatten dockerd's groups ("proxies": {"http-proxy": …}) one level.
        var raw = new List<KeyValuePair<string, JsonElement>>();
        foreach (var (key, value) in members)
        {
            if (ConfigKeys.FlattenedGroups.Contains(key) && value.ValueKind == JsonValueKind.Object)
                raw.AddRange(value.EnumerateObject().Select(p => new KeyValuePair<string, JsonElement>(p.Name, p.Value)));
            else
                raw.Add(new(key, value));
        }
        var byKey = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (var (key, value) in raw)
        {
            if (!byKey.TryAdd(key, value)) throw new ConfigurationException($"duplicate key {GoFormat.Quote(key)} in configuration JSON");
        }

        // Unknown keys. Unlike dockerd, a flag name is not a key: "label", "host", "authorization-plugin"… are unknown.
        var unknown = byKey.Keys.Where(k => ConfigKeys.Lookup(k) is null && !ConfigKeys.UnsupportedDockerdKeys.Contains(k) && k != "authorization-plugins")
            .OrderBy(k => k, StringComparer.Ordinal).ToList();
        if (unknown.Count > 0)
        {
            var message = "the following directives don't match any configuration option: " + string.Join(", ", unknown);
            foreach (var k in unknown)
            {
                if (UnknownKeyHint(k) is { } hint) message += "\n" + hint;
            }
            throw new ConfigurationException(message);
        }
        var unsupported = byKey.Keys.Where(ConfigKeys.UnsupportedDockerdKeys.Contains).OrderBy(k => k, StringComparer.Ordinal).ToList();
        if (unsupported.Count > 0)
            throw new ConfigurationException("the following directives are not supported by moatd: " + string.Join(", ", unsupported));
        if (byKey.ContainsKey("authorization-plugins"))
            throw new ConfigurationException(AuthorizationPluginsRefusal("\"authorization-plugins\""));

        // Flag/file conflicts, in flag-name order as pflag visits them; runtimes are merged instead.
        var conflicts = new List<string>();
        foreach (var flag in DaemonFlags.All)
        {
            if (!cl.Changed(flag.Name) || flag.ConfigKey is null || flag.ConfigKey == "runtimes") continue;
            if (byKey.TryGetValue(flag.ConfigKey, out var fileValue))
                conflicts.Add($"{flag.ConfigKey}: (from flag: {cl.FormatValue(flag.Name)}, from file: {GoFormat.Value(fileValue)})");
        }
        if (conflicts.Count > 0)
            throw new ConfigurationException("the following directives are specified both as a flag and in the configuration file: " + string.Join(", ", conflicts));

        // Typed values (dockerd's json.Unmarshal into Config), first type error wins.
        var file = new FileConfig();
        foreach (var (key, value) in raw)
        {
            var def = ConfigKeys.Lookup(key)!;
            file.Keys.Add(key);
            switch (def.Type)
            {
                case ConfigValueType.Ignored:
                    file.Warnings.Add($"{GoFormat.Quote(key)} is ignored: moatd has no use for it");
                    break;
                default:
                    file.Values[key] = ConfigValueReader.Read(def, value);
                    break;
            }
        }
        return file;
    }

    private static string? UnknownKeyHint(string key)
    {
        if (key == "authorization-plugin") return AuthorizationPluginsRefusal("\"authorization-plugin\"");
        if (DaemonFlags.Lookup(key) is { } flag)
        {
            return flag.ConfigKey is null
                ? $"{GoFormat.Quote(key)} is a command-line flag; it has no daemon.json key"
                : $"{GoFormat.Quote(key)} is the command-line flag name; the daemon.json key is {GoFormat.Quote(flag.ConfigKey)}";
        }
        var caseVariant = ConfigKeys.All.FirstOrDefault(k => string.Equals(k.Name, key, StringComparison.OrdinalIgnoreCase));
        if (caseVariant is not null) return $"{GoFormat.Quote(key)}: keys are case-sensitive, the key is {GoFormat.Quote(caseVariant.Name)}";
        return null;
    }

    // ---- merge and validation -----------------------------------------------------------------------------

    /// <summary>mergo.Merge(file, flags): a file value wins unless it is empty; bools named in the file always win.</summary>
    private static Dictionary<string, object> Merge(Dictionary<string, object>? file, Dictionary<string, object> flags)
    {
        var merged = new Dictionary<string, object>(flags, StringComparer.Ordinal);
        if (file is null) return merged;
        foreach (var (key, value) in file)
        {
            if (key is "tls" or "tlsverify") continue;
            switch (value)
            {
                case bool:
                    merged[key] = value;
                    break;
                case string s when s.Length > 0:
                    merged[key] = s;
                    break;
                case List<string> list when list.Count > 0:
                    merged[key] = list;
                    break;
                case Dictionary<string, string> map when map.Count > 0:
                    merged[key] = MergeMaps(map, (Dictionary<string, string>)flags[key]);
                    break;
                case Dictionary<string, UlimitSettings> map when map.Count > 0:
                    merged[key] = MergeMaps(map, (Dictionary<string, UlimitSettings>)flags[key]);
                    break;
                case Dictionary<string, RuntimeSettings> map when map.Count > 0:
                    merged[key] = MergeMaps(map, (Dictionary<string, RuntimeSettings>)flags[key]);
                    break;
            }
        }
        return merged;
    }

    private static Dictionary<string, T> MergeMaps<T>(Dictionary<string, T> file, Dictionary<string, T> flags)
    {
        var result = new Dictionary<string, T>(file, StringComparer.Ordinal);
        foreach (var (k, v) in flags) result.TryAdd(k, v);
        return result;
    }

    /// <summary>dockerd's <c>config.Validate</c> for the keys moatd has, plus the moatd-only keys.</summary>
    private static void Validate(Dictionary<string, object> v, List<string> warnings)
    {
        string level = Str(v, "log-level");
        if (level.Length > 0 && !LogLevels.Contains(level.ToLowerInvariant())) throw new ConfigurationException($"invalid logging level: {level}");
        string format = Str(v, "log-format");
        if (format.Length > 0 && format is not ("text" or "json")) throw new ConfigurationException($"invalid log format: {format}");
        foreach (var label in (List<string>)v["labels"]) ValidateLabel(label);
        foreach (var host in (List<string>)v["hosts"]) HostAddress.Validate(host);
        foreach (var mirror in (List<string>)v["registry-mirrors"]) RegistryValidation.Mirror(mirror);
        foreach (var registry in (List<string>)v["insecure-registries"]) RegistryValidation.InsecureRegistry(registry, warnings);
        string minVersion = Str(v, "tls-min-version");
        if (minVersion is not ("1.2" or "1.3")) throw new ConfigurationException($"invalid tls-min-version: {GoFormat.Quote(minVersion)} (use \"1.2\" or \"1.3\")");
        DataEncryptionValidation.Validate(Str(v, "data-encryption-key-file"), Str(v, "default-volume-driver"));
        foreach (var (name, _) in (Dictionary<string, RuntimeSettings>)v["runtimes"])
        {
            if (BuiltinRuntimes.Contains(name)) throw new ConfigurationException($"runtime name '{name}' is reserved");
        }
    }

    /// <summary>dockerd's <c>normalizeHosts</c>: default host when none, parse, de-duplicate, sort.</summary>
    private static List<HostAddress> NormalizeHosts(List<string> hosts, bool useTls)
    {
        var parsed = (hosts.Count == 0 ? [""] : hosts).Select(h => HostAddress.Parse(h, useTls));
        return parsed.DistinctBy(h => h.Normalized).OrderBy(h => h.Normalized, StringComparer.Ordinal).ToList();
    }

    /// <summary>dockerd's <c>GetConflictFreeLabels</c>: same key with another value is an error; exact repeats collapse.</summary>
    private static List<string> ConflictFreeLabels(List<string> labels)
    {
        var byKey = new Dictionary<string, string>(StringComparer.Ordinal);
        var result = new List<string>();
        foreach (var label in labels)
        {
            int eq = label.IndexOf('=');
            if (eq < 0) continue;
            string key = label[..eq], value = label[(eq + 1)..];
            if (byKey.TryGetValue(key, out var existing))
            {
                if (existing != value) throw new ConfigurationException($"conflict labels for {key}={value} and {key}={existing}");
                continue;
            }
            byKey[key] = value;
            result.Add(label);
        }
        return result;
    }

    private static void CheckDefaultRuntime(string name, IReadOnlyDictionary<string, RuntimeSettings> runtimes)
    {
        if (!BuiltinRuntimes.Contains(name) && !runtimes.ContainsKey(name))
            throw new ConfigurationException($"specified default runtime '{name}' does not exist");
    }

    private static void CheckSeccompProfile(string profile)
    {
        if (profile is "" or "builtin" or "unconfined") return;
        if (!File.Exists(profile)) throw new ConfigurationException($"opening seccomp profile ({profile}) failed: open {profile}: no such file or directory");
    }

    private static string Str(Dictionary<string, object> v, string key) => (string)v[key];

    private static string? NullIfEmpty(string s) => s.Length == 0 ? null : s;
}
