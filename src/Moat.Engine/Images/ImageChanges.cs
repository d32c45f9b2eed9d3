using System.Globalization;
using System.Text;
using System.Text.Json;
using Moat.Api.Contracts.Images;
using Moat.Engine.Errors;

namespace Moat.Engine.Images;

/// <summary>
/// Applies `docker import --change` lines (Dockerfile instructions) to an image config, as dockerd's
/// BuildFromConfig does for the instructions it allows: CMD, ENTRYPOINT, ENV, EXPOSE, HEALTHCHECK, LABEL,
/// ONBUILD, STOPSIGNAL, USER, VOLUME, WORKDIR. Variables ($VAR) are not expanded.
/// </summary>
public static class ImageChanges
{
    public const int MaxChanges = 256;
    public const int MaxChangeLength = 64 * 1024;

    public static ImageConfig Apply(ImageConfig config, IReadOnlyList<string> changes)
    {
        if (changes.Count > MaxChanges) throw new InvalidArgumentException($"too many changes (limit {MaxChanges})");
        bool cmdSet = false;
        foreach (var raw in changes)
        {
            if (raw.Length > MaxChangeLength) throw new InvalidArgumentException("change is too long");
            foreach (var change in raw.Split('\n'))
            {
                string line = change.Trim();
                if (line.Length == 0 || line.StartsWith('#')) continue;
                int space = line.IndexOfAny([' ', '\t']);
                string instruction = (space < 0 ? line : line[..space]).ToLowerInvariant();
                string args = space < 0 ? "" : line[(space + 1)..].Trim();
                Dispatch(config, instruction, args, ref cmdSet);
            }
        }
        return config;
    }

    private static void Dispatch(ImageConfig c, string instruction, string args, ref bool cmdSet)
    {
        string upper = instruction.ToUpperInvariant();
        switch (instruction)
        {
            case "cmd":
                c.Cmd = Command(args, upper);
                cmdSet = true;
                break;
            case "entrypoint":
                c.Entrypoint = Command(args, upper);
                if (!cmdSet) c.Cmd = null;
                break;
            case "env":
                foreach (var (k, v) in KeyValues(args, upper, allowLegacy: true))
                {
                    c.Env ??= [];
                    int i = c.Env.FindIndex(e => e.StartsWith(k + "=", StringComparison.Ordinal));
                    if (i >= 0) c.Env[i] = k + "=" + v; else c.Env.Add(k + "=" + v);
                }
                break;
            case "label":
                foreach (var (k, v) in KeyValues(args, upper, allowLegacy: true)) (c.Labels ??= [])[k] = v;
                break;
            case "expose":
                foreach (var port in Words(args, upper)) foreach (var p in Ports(port)) (c.ExposedPorts ??= [])[p] = new EmptyObject();
                break;
            case "user":
                c.User = Single(args, upper);
                break;
            case "workdir":
                string dir = Single(args, upper);
                if (!dir.StartsWith('/')) dir = (string.IsNullOrEmpty(c.WorkingDir) ? "/" : c.WorkingDir.TrimEnd('/') + "/") + dir;
                c.WorkingDir = dir;
                break;
            case "volume":
                var volumes = args.StartsWith('[') ? JsonArray(args, upper) : Words(args, upper);
                foreach (var v in volumes)
                {
                    if (v.Trim().Length == 0) throw new InvalidArgumentException("VOLUME specified can not be an empty string");
                    (c.Volumes ??= [])[v] = new EmptyObject();
                }
                break;
            case "stopsignal":
                c.StopSignal = Single(args, upper);
                break;
            case "onbuild":
                if (args.Length == 0) throw Requires(upper);
                string first = args.Split(' ', 2)[0].ToUpperInvariant();
                if (first is "ONBUILD" or "FROM" or "MAINTAINER") throw new InvalidArgumentException($"{first} isn't allowed as an ONBUILD trigger");
                (c.OnBuild ??= []).Add(args);
                break;
            case "healthcheck":
                c.Healthcheck = Healthcheck(args);
                break;
            default:
                throw new InvalidArgumentException($"{instruction} is not a valid change command");
        }
    }

    private static InvalidArgumentException Requires(string instruction) => new($"{instruction} requires at least one argument");

    private static List<string> Command(string args, string instruction)
    {
        if (args.Length == 0) throw Requires(instruction);
        if (args.StartsWith('['))
        {
            try { return JsonArray(args, instruction); }
            catch (InvalidArgumentException) { } // not JSON: shell form, as the Dockerfile parser falls back
        }
        return ["/bin/sh", "-c", args];
    }

    private static List<string> JsonArray(string args, string instruction)
    {
        try
        {
            using var doc = JsonDocument.Parse(args);
            if (doc.RootElement.ValueKind != JsonValueKind.Array) throw new InvalidArgumentException($"{instruction}: expected a JSON array");
            var list = new List<string>();
            foreach (var e in doc.RootElement.EnumerateArray())
            {
                if (e.ValueKind != JsonValueKind.String) throw new InvalidArgumentException($"{instruction}: expected a JSON array of strings");
                list.Add(e.GetString()!);
            }
            return list;
        }
        catch (JsonException)
        {
            throw new InvalidArgumentException($"{instruction}: invalid JSON array");
        }
    }

    private static string Single(string args, string instruction)
    {
        var words = Words(args, instruction);
        if (words.Count != 1) throw new InvalidArgumentException($"{instruction} requires exactly one argument");
        return words[0];
    }

    /// <summary>Whitespace-separated words; double and single quotes group, backslash escapes.</summary>
    private static List<string> Words(string args, string instruction)
    {
        var words = new List<string>();
        var current = new StringBuilder();
        bool inWord = false;
        char quote = '\0';
        for (int i = 0; i < args.Length; i++)
        {
            char ch = args[i];
            if (quote != '\0')
            {
                if (ch == quote) quote = '\0';
                else if (ch == '\\' && quote == '"' && i + 1 < args.Length) current.Append(args[++i]);
                else current.Append(ch);
                continue;
            }
            if (char.IsWhiteSpace(ch))
            {
                if (inWord) { words.Add(current.ToString()); current.Clear(); inWord = false; }
                continue;
            }
            inWord = true;
            if (ch is '"' or '\'') quote = ch;
            else if (ch == '\\' && i + 1 < args.Length) current.Append(args[++i]);
            else current.Append(ch);
        }
        if (quote != '\0') throw new InvalidArgumentException($"{instruction}: unmatched quote");
        if (inWord) words.Add(current.ToString());
        if (words.Count == 0) throw Requires(instruction);
        return words;
    }

    private static List<(string Key, string Value)> KeyValues(string args, string instruction, bool allowLegacy)
    {
        var words = Words(args, instruction);
        if (allowLegacy && !words[0].Contains('='))
        {
            // "ENV key value with spaces"
            int space = args.IndexOfAny([' ', '\t']);
            if (space < 0) throw new InvalidArgumentException($"{instruction} must have two arguments");
            return [(words[0], args[(space + 1)..].Trim())];
        }
        var pairs = new List<(string, string)>();
        foreach (var w in words)
        {
            int eq = w.IndexOf('=');
            if (eq <= 0) throw new InvalidArgumentException($"{instruction} names can not be blank");
            pairs.Add((w[..eq], w[(eq + 1)..]));
        }
        return pairs;
    }

    private static IEnumerable<string> Ports(string spec)
    {
        string proto = "tcp";
        int slash = spec.IndexOf('/');
        if (slash >= 0) { proto = spec[(slash + 1)..].ToLowerInvariant(); spec = spec[..slash]; }
        if (proto is not ("tcp" or "udp" or "sctp")) throw new InvalidArgumentException($"invalid proto: {proto}");
        int dash = spec.IndexOf('-');
        if (!ushort.TryParse(dash < 0 ? spec : spec[..dash], NumberStyles.None, null, out ushort start) ||
            !ushort.TryParse(dash < 0 ? spec : spec[(dash + 1)..], NumberStyles.None, null, out ushort end) || end < start || end - start > 65535)
            throw new InvalidArgumentException($"invalid containerPort: {spec}");
        for (int p = start; p <= end; p++) yield return $"{p}/{proto}";
    }

    private static HealthConfig Healthcheck(string args)
    {
        if (args.Length == 0) throw Requires("HEALTHCHECK");
        if (args.Equals("NONE", StringComparison.OrdinalIgnoreCase)) return new HealthConfig { Test = ["NONE"] };
        var health = new HealthConfig();
        string rest = args;
        while (rest.StartsWith("--", StringComparison.Ordinal))
        {
            int space = rest.IndexOfAny([' ', '\t']);
            if (space < 0) throw new InvalidArgumentException("HEALTHCHECK: missing CMD");
            string flag = rest[2..space];
            rest = rest[space..].TrimStart();
            int eq = flag.IndexOf('=');
            if (eq < 0) throw new InvalidArgumentException($"HEALTHCHECK: flag --{flag} needs a value");
            string name = flag[..eq], value = flag[(eq + 1)..];
            switch (name)
            {
                case "interval": health.Interval = Duration(value, name); break;
                case "timeout": health.Timeout = Duration(value, name); break;
                case "start-period": health.StartPeriod = Duration(value, name); break;
                case "start-interval": health.StartInterval = Duration(value, name); break;
                case "retries":
                    if (!int.TryParse(value, NumberStyles.None, null, out int retries)) throw new InvalidArgumentException($"HEALTHCHECK: invalid retries {value}");
                    health.Retries = retries;
                    break;
                default: throw new InvalidArgumentException($"HEALTHCHECK: unknown flag --{name}");
            }
        }
        int sp = rest.IndexOfAny([' ', '\t']);
        if (sp < 0 || !rest[..sp].Equals("CMD", StringComparison.OrdinalIgnoreCase))
            throw new InvalidArgumentException("Unknown type in HEALTHCHECK (try CMD)");
        string cmd = rest[sp..].Trim();
        if (cmd.StartsWith('['))
        {
            try { health.Test = ["CMD", .. JsonArray(cmd, "HEALTHCHECK")]; return health; }
            catch (InvalidArgumentException) { }
        }
        health.Test = ["CMD-SHELL", cmd];
        return health;
    }

    /// <summary>Go duration strings ("30s", "1m30s", "500ms") to nanoseconds.</summary>
    private static long Duration(string value, string flag)
    {
        long total = 0;
        int i = 0;
        if (value.Length == 0) throw new InvalidArgumentException($"HEALTHCHECK: invalid --{flag}");
        while (i < value.Length)
        {
            int start = i;
            while (i < value.Length && (char.IsAsciiDigit(value[i]) || value[i] == '.')) i++;
            if (!double.TryParse(value[start..i], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double number))
                throw new InvalidArgumentException($"HEALTHCHECK: invalid --{flag} {value}");
            int unitStart = i;
            while (i < value.Length && !char.IsAsciiDigit(value[i])) i++;
            double scale = value[unitStart..i] switch
            {
                "ns" => 1, "us" or "µs" => 1e3, "ms" => 1e6, "s" => 1e9, "m" => 60e9, "h" => 3600e9,
                _ => throw new InvalidArgumentException($"HEALTHCHECK: invalid --{flag} {value}"),
            };
            total += (long)(number * scale);
        }
        return total;
    }
}
