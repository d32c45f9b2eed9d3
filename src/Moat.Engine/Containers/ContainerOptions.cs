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
}
