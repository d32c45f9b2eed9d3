namespace Moat.Daemon.Configuration;

/// <summary>The JSON shape a daemon.json key takes.</summary>
internal enum ConfigValueType
{
    Bool,
    String,
    /// <summary>Array of strings.</summary>
    StringList,
    /// <summary>Object of string values (<c>log-opts</c>).</summary>
    StringMap,
    /// <summary><c>{"nofile": {"Name": "nofile", "Soft": 1024, "Hard": 2048}}</c>.</summary>
    Ulimits,
    /// <summary><c>{"name": {"path": "/usr/bin/x", "runtimeArgs": ["--debug"]}}</c>.</summary>
    Runtimes,
    /// <summary>Accepted for dockerd compatibility and ignored with a warning (<c>features</c>, <c>builder</c>).</summary>
    Ignored,
}
