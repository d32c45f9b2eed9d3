namespace Moat.Engine.Runtime;

/// <summary>crun: same CLI as runc. crun 1.8 refuses hybrid cgroup hosts ("cgroups in hybrid mode not supported").</summary>
public sealed class CrunRuntime(string stateRoot, string path = "crun", IReadOnlyList<string>? extraArgs = null)
    : CliOciRuntime("crun", path, stateRoot, extraArgs);
