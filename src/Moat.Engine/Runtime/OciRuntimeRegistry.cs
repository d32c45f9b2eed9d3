using Moat.Engine.Errors;

namespace Moat.Engine.Runtime;

/// <summary>The runtimes moatd can use: runc and crun built in, plus the "runtimes" of daemon.json.</summary>
public sealed class OciRuntimeRegistry
{
    private readonly Dictionary<string, IOciRuntime> _runtimes = new(StringComparer.Ordinal);

    public OciRuntimeRegistry(RuntimeOptions options)
    {
        string Root(string name) => Path.Combine(options.ExecRoot, "runtime-" + name);
        _runtimes["runc"] = new RuncRuntime(Root("runc"), File.Exists("/usr/sbin/runc") ? "/usr/sbin/runc" : "runc");
        _runtimes["crun"] = new CrunRuntime(Root("crun"), File.Exists("/usr/bin/crun") ? "/usr/bin/crun" : "crun");
        foreach (var (name, def) in options.Runtimes)
        {
            _runtimes[name] = name switch
            {
                "runc" => new RuncRuntime(Root(name), def.Path, def.RuntimeArgs),
                "crun" => new CrunRuntime(Root(name), def.Path, def.RuntimeArgs),
                _ => new CustomCliRuntime(name, Root(name), def.Path, def.RuntimeArgs),
            };
        }
        DefaultName = options.DefaultRuntime;
    }

    public string DefaultName { get; }

    public IReadOnlyCollection<string> Names => _runtimes.Keys;

    /// <summary>The runtime by name (null = default); unknown names are Docker's 400.</summary>
    public IOciRuntime Get(string? name = null) =>
        _runtimes.TryGetValue(string.IsNullOrEmpty(name) ? DefaultName : name, out var r) ? r
            : throw new InvalidArgumentException($"unknown or invalid runtime name: {name}");
}
