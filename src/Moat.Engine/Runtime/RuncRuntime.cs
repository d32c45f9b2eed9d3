namespace Moat.Engine.Runtime;

/// <summary>runc (Debian's /usr/sbin/runc 1.1): the default runtime; copes with hybrid cgroups.</summary>
public sealed class RuncRuntime(string stateRoot, string path = "runc", IReadOnlyList<string>? extraArgs = null)
    : CliOciRuntime("runc", path, stateRoot, extraArgs);
