namespace Moat.Daemon.Configuration;

/// <summary>
/// The parsed command line: every flag's value (given or default) and which flags were given (pflag's <c>Changed</c>).
/// Parsing follows pflag as dockerd uses it: <c>--flag=value</c>, <c>--flag value</c>, <c>-H value</c>, <c>-Hvalue</c>,
/// <c>-H=value</c>, bool flags <c>--tls</c> / <c>--tls=false</c> / <c>-D</c>, combined shorthands <c>-DH unix://x</c>, <c>--</c> ends flags.
/// </summary>
public sealed class CommandLine
{
    private readonly HashSet<string> _changed = new(StringComparer.Ordinal);
    private readonly Dictionary<string, bool> _bools = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _strings = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<string>> _lists = new(StringComparer.Ordinal);

    private CommandLine(IReadOnlyList<string> args)
    {
        Args = args;
        foreach (var f in DaemonFlags.All)
        {
            switch (f.Kind)
            {
                case FlagKind.Bool: _bools[f.Name] = f.Name == "icc"; break;
                case FlagKind.List: _lists[f.Name] = []; break;
            }
        }
    }

    /// <summary>The arguments as given (kept for SIGHUP reload, which re-checks the file against the same flags).</summary>
    public IReadOnlyList<string> Args { get; }

    public Dictionary<string, string> LogOpts { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, UlimitSettings> Ulimits { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, RuntimeSettings> Runtimes { get; } = new(StringComparer.Ordinal);

    public bool Help => GetBool("help");
    public bool Version => GetBool("version");
    public bool Validate => GetBool("validate");

    /// <summary>True when the flag was given on the command line (by long or short name).</summary>
    public bool Changed(string name) => _changed.Contains(name);

    public IEnumerable<string> ChangedFlags => _changed.OrderBy(n => n, StringComparer.Ordinal);

    public bool GetBool(string name) => _bools[name];

    public string? GetString(string name) => _strings.GetValueOrDefault(name);

    public IReadOnlyList<string> GetList(string name) => _lists[name];

    /// <summary>pflag's <c>Value.String()</c>, as dockerd prints it in flag/file conflicts.</summary>
    public string FormatValue(string name)
    {
        var f = DaemonFlags.Get(name);
        return f.Kind switch
        {
            FlagKind.Bool => _bools[name] ? "true" : "false",
            FlagKind.String => _strings.GetValueOrDefault(name) ?? "",
            FlagKind.List => GoFormat.List(_lists[name]),
            FlagKind.Map => GoFormat.Map(LogOpts),
            FlagKind.Ulimit => GoFormat.List(Ulimits.Values.OrderBy(u => u.Name, StringComparer.Ordinal).Select(UlimitParser.Format)),
            FlagKind.Runtime => GoFormat.List(Runtimes.Keys.OrderBy(k => k, StringComparer.Ordinal)),
            _ => "",
        };
    }

    /// <summary>Parses <paramref name="args"/>; errors are pflag's texts followed by <c>See 'moatd --help'.</c></summary>
    public static CommandLine Parse(IReadOnlyList<string> args)
    {
        var cl = new CommandLine(args.ToArray());
        try
        {
            cl.ParseArgs(args);
        }
        catch (ConfigurationException e)
        {
            throw new ConfigurationException($"{e.Message}\nSee '{DaemonFlags.CommandName} --help'.");
        }
        return cl;
    }

    private void ParseArgs(IReadOnlyList<string> args)
    {
        var positional = new List<string>();
        for (int i = 0; i < args.Count; i++)
        {
            string a = args[i];
            if (a == "--")
            {
                positional.AddRange(args.Skip(i + 1));
                break;
            }
            if (a.Length < 2 || a[0] != '-')
            {
                positional.Add(a);
                continue;
            }
            if (a[1] == '-') ParseLong(a, args, ref i);
            else ParseShorts(a, args, ref i);
        }
        if (positional.Count > 0)
            throw new ConfigurationException($"\"{DaemonFlags.CommandName}\" accepts no arguments, got: {string.Join(' ', positional)}");
    }

    private void ParseLong(string s, IReadOnlyList<string> args, ref int i)
    {
        string name = s[2..];
        if (name.Length == 0 || name[0] == '-' || name[0] == '=') throw new ConfigurationException($"bad flag syntax: {s}");
        string? value = null;
        int eq = name.IndexOf('=');
        if (eq >= 0)
        {
            value = name[(eq + 1)..];
            name = name[..eq];
        }
        var flag = DaemonFlags.Lookup(name) ?? throw new ConfigurationException($"unknown flag: --{name}");
        if (value is null)
        {
            if (flag.Kind == FlagKind.Bool) value = "true";
            else if (i + 1 < args.Count) value = args[++i];
            else throw new ConfigurationException($"flag needs an argument: {s}");
        }
        Set(flag, value);
    }

    private void ParseShorts(string arg, IReadOnlyList<string> args, ref int i)
    {
        string shorthands = arg[1..];
        while (shorthands.Length > 0)
        {
            char c = shorthands[0];
            var flag = DaemonFlags.LookupShorthand(c) ?? throw new ConfigurationException($"unknown shorthand flag: '{c}' in -{shorthands}");
            string value;
            string rest;
            if (shorthands.Length > 2 && shorthands[1] == '=')
            {
                value = shorthands[2..];
                rest = "";
            }
            else if (flag.Kind == FlagKind.Bool)
            {
                value = "true";
                rest = shorthands[1..];
            }
            else if (shorthands.Length > 1)
            {
                value = shorthands[1..];
                rest = "";
            }
            else if (i + 1 < args.Count)
            {
                value = args[++i];
                rest = "";
            }
            else
            {
                throw new ConfigurationException($"flag needs an argument: '{c}' in -{shorthands}");
            }
            Set(flag, value);
            shorthands = rest;
        }
    }

    private void Set(FlagDefinition flag, string value)
    {
        if (flag.Name == "authorization-plugin") throw new ConfigurationException(DaemonConfigLoader.AuthorizationPluginsRefusal("--authorization-plugin"));
        try
        {
            switch (flag.Kind)
            {
                case FlagKind.Bool:
                    _bools[flag.Name] = ParseBool(value);
                    break;
                case FlagKind.String:
                    _strings[flag.Name] = value;
                    break;
                case FlagKind.List:
                    _lists[flag.Name].Add(ValidateListItem(flag.Name, value));
                    break;
                case FlagKind.Map:
                {
                    int eq = value.IndexOf('=');
                    if (eq < 0) LogOpts[value] = "";
                    else LogOpts[value[..eq]] = value[(eq + 1)..];
                    break;
                }
                case FlagKind.Ulimit:
                {
                    var u = UlimitParser.Parse(value);
                    Ulimits[u.Name] = u;
                    break;
                }
                case FlagKind.Runtime:
                    AddRuntime(value);
                    break;
            }
        }
        catch (ConfigurationException e)
        {
            throw new ConfigurationException($"invalid argument {GoFormat.Quote(value)} for {GoFormat.Quote(flag.DisplayName)} flag: {e.Message}");
        }
        _changed.Add(flag.Name);
    }

    private static string ValidateListItem(string flag, string value)
    {
        switch (flag)
        {
            case "host":
                HostAddress.Validate(value);
                return value;
            case "label":
                return DaemonConfigLoader.ValidateLabel(value);
            case "insecure-registry":
                RegistryValidation.InsecureRegistry(value, null);
                return value;
            case "registry-mirror":
                RegistryValidation.Mirror(value);
                return value;
            default:
                return value;
        }
    }

    private void AddRuntime(string value)
    {
        int eq = value.IndexOf('=');
        string name = eq < 0 ? "" : value[..eq].Trim().ToLowerInvariant();
        string path = eq < 0 ? "" : value[(eq + 1)..].Trim();
        if (name.Length == 0 || path.Length == 0) throw new ConfigurationException($"invalid runtime argument: {value}");
        if (DaemonConfigLoader.BuiltinRuntimes.Contains(name)) throw new ConfigurationException($"runtime name '{name}' is reserved");
        if (!Runtimes.TryAdd(name, new RuntimeSettings(path, []))) throw new ConfigurationException($"runtime '{name}' was already defined");
    }

    /// <summary>Go's <c>strconv.ParseBool</c>.</summary>
    internal static bool ParseBool(string value) => value switch
    {
        "1" or "t" or "T" or "TRUE" or "true" or "True" => true,
        "0" or "f" or "F" or "FALSE" or "false" or "False" => false,
        _ => throw new ConfigurationException($"strconv.ParseBool: parsing {GoFormat.Quote(value)}: invalid syntax"),
    };
}
