namespace Moat.Engine.Containers;

/// <summary>Daemon settings the container service uses.</summary>
public sealed record ContainerOptions
{
    public required string DataRoot { get; init; }
    public string ExecRoot { get; init; } = "/var/run/docker";
    public bool LiveRestore { get; init; }
    public string LogDriver { get; init; } = "json-file";
    public IReadOnlyDictionary<string, string> LogOpts { get; init; } = new Dictionary<string, string>();
    /// <summary>daemon.json no-new-privileges; Moat turns it on for every container unless the request says otherwise.</summary>
    public bool NoNewPrivileges { get; init; } = true;
    /// <summary>daemon.json "init": containers that do not set HostConfig.Init get docker-init as PID 1.</summary>
    public bool Init { get; init; }
    /// <summary>daemon.json "init-path"; null = <see cref="InitBinary.DefaultName"/> in PATH, then Debian's /usr/bin/tini-static.</summary>
    public string? InitPath { get; init; }
}
