namespace Moat.Security.Policy;

/// <summary>
/// What a container create request asks of the host, independent of any handler's DTO. The containers area
/// builds it from the decoded create body it is about to execute and passes it to
/// <c>IRequestAuthorizer.AuthorizeBodyAsync</c>; constraints are checked on it.
/// </summary>
public sealed record ContainerCreateFacts
{
    public string Image { get; init; } = "";
    public bool Privileged { get; init; }
    /// <summary>HostConfig.CapAdd as given (with or without "CAP_", any case).</summary>
    public IReadOnlyList<string> CapAdd { get; init; } = [];
    /// <summary>HostConfig.Devices[].PathOnHost, plus "cgroup-rule:…" for DeviceCgroupRules and "request:…" for DeviceRequests.</summary>
    public IReadOnlyList<string> Devices { get; init; } = [];
    public string? PidMode { get; init; }
    public string? IpcMode { get; init; }
    public string? UtsMode { get; init; }
    public string? NetworkMode { get; init; }
    public string? UsernsMode { get; init; }
    public string? CgroupnsMode { get; init; }
    /// <summary>Host paths from HostConfig.Binds (see <see cref="BindSource"/>), Mounts of type bind, and local volumes with o=bind.</summary>
    public IReadOnlyList<string> BindSources { get; init; } = [];
    public IReadOnlyList<string> SecurityOpt { get; init; } = [];
    /// <summary>HostConfig.Runtime; null or empty means the daemon's default runtime.</summary>
    public string? Runtime { get; init; }
    /// <summary>HostConfig.Sysctls keys.</summary>
    public IReadOnlyList<string> Sysctls { get; init; } = [];
    /// <summary>Config.Labels (the owner label is reserved).</summary>
    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();

    /// <summary>The host path of a "src:dst[:opts]" bind, or null when src is a named volume.</summary>
    public static string? BindSource(string bind)
    {
        int colon = bind.IndexOf(':');
        string source = colon < 0 ? bind : bind[..colon];
        return source.StartsWith('/') ? source : null;
    }

    /// <summary>The host directory a local-driver volume binds (type=none, o=bind, device=/path), or null.</summary>
    public static string? LocalVolumeBindDevice(IReadOnlyDictionary<string, string>? options)
    {
        if (options is null) return null;
        string? o = null, device = null;
        foreach (var (k, v) in options)
        {
            if (string.Equals(k, "o", StringComparison.OrdinalIgnoreCase)) o = v;
            else if (string.Equals(k, "device", StringComparison.OrdinalIgnoreCase)) device = v;
        }
        if (o is null || device is null) return null;
        bool bind = o.Split(',').Any(x => x.Trim() is "bind" or "rbind");
        return bind ? device : null;
    }
}

/// <summary>What an exec create asks for.</summary>
public sealed record ExecCreateFacts
{
    public bool Privileged { get; init; }
    public string? User { get; init; }
}

/// <summary>What a volume create asks for: a local volume with o=bind is a bind mount of a host path.</summary>
public sealed record VolumeCreateFacts
{
    public string? Name { get; init; }
    public string? Driver { get; init; }
    public IReadOnlyDictionary<string, string> DriverOpts { get; init; } = new Dictionary<string, string>();
    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();
}
