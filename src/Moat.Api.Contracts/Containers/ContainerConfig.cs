namespace Moat.Api.Contracts.Containers;

/// <summary>An empty JSON object, as Docker uses for set-like maps ({"80/tcp":{}}, {"/data":{}}).</summary>
public sealed class EmptyObject;

/// <summary>The container's portable configuration (Docker's container.Config): what the create body carries at top level.</summary>
public class ContainerConfig
{
    public string Hostname { get; set; } = "";
    public string Domainname { get; set; } = "";
    public string User { get; set; } = "";
    public bool AttachStdin { get; set; }
    public bool AttachStdout { get; set; }
    public bool AttachStderr { get; set; }
    public Dictionary<string, EmptyObject>? ExposedPorts { get; set; }
    public bool Tty { get; set; }
    public bool OpenStdin { get; set; }
    public bool StdinOnce { get; set; }
    public List<string>? Env { get; set; }
    public List<string>? Cmd { get; set; }
    public string Image { get; set; } = "";
    public Dictionary<string, EmptyObject>? Volumes { get; set; }
    public string WorkingDir { get; set; } = "";
    public List<string>? Entrypoint { get; set; }
    public List<string>? OnBuild { get; set; }
    public Dictionary<string, string>? Labels { get; set; }
    public string? StopSignal { get; set; }
    public int? StopTimeout { get; set; }
}
