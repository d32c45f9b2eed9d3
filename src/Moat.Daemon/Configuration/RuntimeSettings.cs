namespace Moat.Daemon.Configuration;

/// <summary>An OCI runtime registered with <c>"runtimes": {"name": {"path": …, "runtimeArgs": […]}}</c> or <c>--add-runtime name=path</c>.</summary>
public sealed record RuntimeSettings(string Path, IReadOnlyList<string> RuntimeArgs);
