using Moat.Daemon.Configuration;
using Moat.Engine.Containers;
using Moat.Engine.Runtime;

namespace Moat.Daemon.Hosting;

/// <summary>Daemon settings → the container and runtime areas' options.</summary>
internal static class ContainerSetup
{
    public static ContainerOptions Options(DaemonSettings settings) => new()
    {
        DataRoot = settings.DataRoot,
        ExecRoot = settings.ExecRoot,
        LiveRestore = settings.LiveRestore,
        LogDriver = settings.LogDriver,
        LogOpts = settings.LogOpts,
        Init = settings.Init,
        InitPath = settings.InitPath,
    };

    public static RuntimeOptions Runtime(DaemonSettings settings) => new()
    {
        ExecRoot = settings.ExecRoot,
        DefaultRuntime = settings.DefaultRuntime,
        Runtimes = settings.Runtimes.ToDictionary(r => r.Key, r => new RuntimeDefinition(r.Value.Path, r.Value.RuntimeArgs)),
        NoNewPrivileges = settings.NoNewPrivileges,
        SeccompProfile = settings.SeccompProfile,
        DefaultUlimits = settings.DefaultUlimits.Values.Select(u => new Ulimit(u.Name, u.Soft, u.Hard)).ToList(),
    };
}
