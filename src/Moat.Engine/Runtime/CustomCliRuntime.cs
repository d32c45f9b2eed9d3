namespace Moat.Engine.Runtime;

/// <summary>Any other runtime from the "runtimes" setting that speaks runc's CLI (e.g. youki, runsc).</summary>
public sealed class CustomCliRuntime(string name, string stateRoot, string path, IReadOnlyList<string>? extraArgs = null)
    : CliOciRuntime(name, path, stateRoot, extraArgs);
