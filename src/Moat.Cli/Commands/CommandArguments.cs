namespace Moat.Cli.Commands;

/// <summary>A bad command line; the message is printed after "moat: " and the exit code is 2.</summary>
internal sealed class UsageException(string message) : Exception(message);

/// <summary>
/// A small getopt-like reader: "--name value", "--name=value", short aliases ("-H value"), repeatable options,
/// boolean flags and positionals; "--" ends options. Each command declares which options take a value.
/// </summary>
internal sealed class CommandArguments
{
    private readonly Dictionary<string, List<string>> _values = new(StringComparer.Ordinal);
    private readonly HashSet<string> _flags = new(StringComparer.Ordinal);

    public CommandArguments(IEnumerable<string> args, IReadOnlyDictionary<string, string> optionsWithValue, IReadOnlyDictionary<string, string> flags)
    {
        var list = args.ToList();
        for (int i = 0; i < list.Count; i++)
        {
            string a = list[i];
            if (a == "--")
            {
                Positionals.AddRange(list.Skip(i + 1));
                break;
            }
            if (a.Length < 2 || a[0] != '-')
            {
                Positionals.Add(a);
                continue;
            }
            string name = a;
            string? inline = null;
            int eq = a.IndexOf('=');
            if (a.StartsWith("--", StringComparison.Ordinal) && eq > 0)
            {
                name = a[..eq];
                inline = a[(eq + 1)..];
            }
            if (optionsWithValue.TryGetValue(name, out var canonical))
            {
                string value = inline ?? (i + 1 < list.Count ? list[++i] : throw new UsageException($"option {name} needs a value"));
                if (!_values.TryGetValue(canonical, out var values)) _values[canonical] = values = [];
                values.Add(value);
            }
            else if (flags.TryGetValue(name, out var flag))
            {
                if (inline is not null && inline is not ("true" or "1")) throw new UsageException($"option {name} takes no value");
                _flags.Add(flag);
            }
            else
            {
                throw new UsageException($"unknown option {name}");
            }
        }
    }

    public List<string> Positionals { get; } = [];

    public bool Has(string flag) => _flags.Contains(flag);

    public IReadOnlyList<string> All(string option) => _values.TryGetValue(option, out var v) ? v : [];

    /// <summary>The option's value; given twice is an error.</summary>
    public string? Single(string option)
    {
        var values = All(option);
        if (values.Count > 1) throw new UsageException($"option {option} given more than once");
        return values.Count == 1 ? values[0] : null;
    }

    public int Int(string option, int fallback)
    {
        string? value = Single(option);
        if (value is null) return fallback;
        return int.TryParse(value, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out int n)
            ? n : throw new UsageException($"option {option} needs a whole number, not \"{value}\"");
    }

    public DateTimeOffset? Time(string option)
    {
        string? value = Single(option);
        if (value is null) return null;
        return DateTimeOffset.TryParse(value, System.Globalization.CultureInfo.InvariantCulture,
            System.Globalization.DateTimeStyles.AssumeUniversal, out var t)
            ? t : throw new UsageException($"option {option} needs a date and time such as 2025-01-31T00:00:00Z, not \"{value}\"");
    }
}
