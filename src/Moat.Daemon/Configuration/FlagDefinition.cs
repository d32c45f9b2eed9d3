namespace Moat.Daemon.Configuration;

/// <summary>
/// One moatd flag. <see cref="ConfigKey"/> is its daemon.json key: equal to the flag name for plain flags,
/// different for dockerd's "named options" (<c>--host</c> ↔ <c>hosts</c>, <c>--label</c> ↔ <c>labels</c>), null when the flag has no key.
/// </summary>
internal sealed record FlagDefinition(string Name, char Shorthand, FlagKind Kind, string Usage)
{
    public string? ConfigKey { get; init; }

    /// <summary>Shown as <c>(default …)</c> in --help; null = not shown (pflag hides zero values).</summary>
    public string? DefaultText { get; init; }

    public bool IsNamedOption => ConfigKey is not null && ConfigKey != Name;

    /// <summary>pflag's name in errors: <c>-H, --host</c> or <c>--tls</c>.</summary>
    public string DisplayName => Shorthand != '\0' ? $"-{Shorthand}, --{Name}" : $"--{Name}";

    /// <summary>pflag's type word in --help (<c>list</c>, <c>string</c>, …; bools have none).</summary>
    public string TypeWord => Kind switch
    {
        FlagKind.Bool => "",
        FlagKind.String => "string",
        FlagKind.List => "list",
        FlagKind.Map => "map",
        FlagKind.Ulimit => "ulimit",
        FlagKind.Runtime => "runtime",
        _ => "",
    };
}
