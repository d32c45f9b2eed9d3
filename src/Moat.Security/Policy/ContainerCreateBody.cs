using System.Text.Json.Serialization;

namespace Moat.Security.Policy;

/// <summary>
/// The security-relevant subset of Docker's POST /containers/create body, for `moat policy check --request`
/// and as the reference mapping to <see cref="ContainerCreateFacts"/>.
/// </summary>
public sealed class ContainerCreateBody
{
    public string? Image { get; set; }
    public string? User { get; set; }
    public Dictionary<string, string>? Labels { get; set; }
    public CreateHostConfig? HostConfig { get; set; }

    public ContainerCreateFacts ToFacts()
    {
        var h = HostConfig ?? new CreateHostConfig();
        var binds = new List<string>();
        foreach (var b in h.Binds ?? []) if (ContainerCreateFacts.BindSource(b) is { } s) binds.Add(s);
        foreach (var m in h.Mounts ?? [])
        {
            if (string.Equals(m.Type, "bind", StringComparison.OrdinalIgnoreCase) && m.Source is { Length: > 0 } src) binds.Add(src);
            else if (ContainerCreateFacts.LocalVolumeBindDevice(m.VolumeOptions?.DriverConfig?.Options) is { } dev) binds.Add(dev);
        }
        var devices = new List<string>();
        foreach (var d in h.Devices ?? []) if (d.PathOnHost is { Length: > 0 } p) devices.Add(p);
        foreach (var r in h.DeviceCgroupRules ?? []) devices.Add("cgroup-rule:" + r);
        foreach (var r in h.DeviceRequests ?? []) devices.Add("request:" + (r.Driver ?? ""));
        return new ContainerCreateFacts
        {
            Image = Image ?? "",
            Privileged = h.Privileged,
            CapAdd = h.CapAdd ?? [],
            Devices = devices,
            PidMode = h.PidMode,
            IpcMode = h.IpcMode,
            UtsMode = h.UTSMode,
            NetworkMode = h.NetworkMode,
            UsernsMode = h.UsernsMode,
            CgroupnsMode = h.CgroupnsMode,
            BindSources = binds,
            SecurityOpt = h.SecurityOpt ?? [],
            Runtime = h.Runtime,
            Sysctls = h.Sysctls is null ? [] : [.. h.Sysctls.Keys],
            Labels = Labels ?? new Dictionary<string, string>(),
        };
    }
}

public sealed class CreateHostConfig
{
    public bool Privileged { get; set; }
    public List<string>? CapAdd { get; set; }
    public List<CreateDevice>? Devices { get; set; }
    public List<string>? DeviceCgroupRules { get; set; }
    public List<CreateDeviceRequest>? DeviceRequests { get; set; }
    public string? PidMode { get; set; }
    public string? IpcMode { get; set; }
    [JsonPropertyName("UTSMode")]
    public string? UTSMode { get; set; }
    public string? NetworkMode { get; set; }
    public string? UsernsMode { get; set; }
    public string? CgroupnsMode { get; set; }
    public List<string>? Binds { get; set; }
    public List<CreateMount>? Mounts { get; set; }
    public List<string>? SecurityOpt { get; set; }
    public string? Runtime { get; set; }
    public Dictionary<string, string>? Sysctls { get; set; }
}

public sealed class CreateDevice
{
    public string? PathOnHost { get; set; }
}

public sealed class CreateDeviceRequest
{
    public string? Driver { get; set; }
}

public sealed class CreateMount
{
    public string? Type { get; set; }
    public string? Source { get; set; }
    public CreateVolumeOptions? VolumeOptions { get; set; }
}

public sealed class CreateVolumeOptions
{
    public CreateDriverConfig? DriverConfig { get; set; }
}

public sealed class CreateDriverConfig
{
    public Dictionary<string, string>? Options { get; set; }
}
