using Moat.Api.Contracts.Containers;
using Moat.Api.Contracts.Volumes;
using Moat.Security.Policy;

namespace Moat.Api.Containers;

/// <summary>
/// What a decoded create request asks of the host, for the policy's constraints. Built from the very object the
/// handler executes, so authorization and execution cannot disagree about the request.
/// </summary>
internal static class CreateFacts
{
    public static ContainerCreateFacts From(ContainerCreateRequest body)
    {
        var host = body.HostConfig ?? new HostConfig();
        var binds = new List<string>();
        foreach (var bind in host.Binds ?? [])
            if (ContainerCreateFacts.BindSource(bind) is { } source) binds.Add(source);
        foreach (var mount in host.Mounts ?? [])
            if (string.Equals(mount.Type, "bind", StringComparison.OrdinalIgnoreCase)) binds.Add(mount.Source);
        return new ContainerCreateFacts
        {
            Image = body.Image,
            Privileged = host.Privileged,
            CapAdd = host.CapAdd ?? [],
            PidMode = host.PidMode,
            IpcMode = host.IpcMode,
            UtsMode = host.UTSMode,
            NetworkMode = host.NetworkMode,
            UsernsMode = host.UsernsMode,
            CgroupnsMode = host.CgroupnsMode,
            BindSources = binds,
            SecurityOpt = host.SecurityOpt ?? [],
            Runtime = host.Runtime,
            Sysctls = host.Sysctls is null ? [] : [.. host.Sysctls.Keys],
            Labels = body.Labels ?? new Dictionary<string, string>(),
        };
    }

    public static VolumeCreateFacts From(VolumeCreateRequest body) => new()
    {
        Name = body.Name,
        Driver = body.Driver,
        DriverOpts = body.DriverOpts ?? new Dictionary<string, string>(),
        Labels = body.Labels ?? new Dictionary<string, string>(),
    };
}
