namespace Moat.Daemon.Configuration;

/// <summary>How a command-line flag takes its value (pflag value types as dockerd uses them).</summary>
internal enum FlagKind
{
    /// <summary><c>--flag</c>, <c>--flag=false</c>; never takes the next argument.</summary>
    Bool,
    String,
    /// <summary>Repeatable; each use appends (<c>-H a -H b</c>).</summary>
    List,
    /// <summary>Repeatable <c>key=value</c> (<c>--log-opt</c>).</summary>
    Map,
    /// <summary>Repeatable <c>name=soft[:hard]</c> (<c>--default-ulimit</c>).</summary>
    Ulimit,
    /// <summary>Repeatable <c>name=path</c> (<c>--add-runtime</c>).</summary>
    Runtime,
}
