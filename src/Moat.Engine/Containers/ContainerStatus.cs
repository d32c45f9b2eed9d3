namespace Moat.Engine.Containers;

/// <summary>The container lifecycle states, named as Docker's State.Status shows them.</summary>
public enum ContainerStatus
{
    Created,
    Running,
    Paused,
    Restarting,
    Removing,
    Exited,
    Dead,
}

public static class ContainerStatusNames
{
    public static string ToDocker(this ContainerStatus status) => status switch
    {
        ContainerStatus.Created => "created",
        ContainerStatus.Running => "running",
        ContainerStatus.Paused => "paused",
        ContainerStatus.Restarting => "restarting",
        ContainerStatus.Removing => "removing",
        ContainerStatus.Exited => "exited",
        _ => "dead",
    };
}
