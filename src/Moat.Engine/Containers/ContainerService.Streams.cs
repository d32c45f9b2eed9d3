namespace Moat.Engine.Containers;

public sealed partial class ContainerService
{
    /// <summary>Publishes a container event from the stream endpoints (attach's "detach", "resize").</summary>
    public void PublishEvent(ContainerRecord record, string action, Dictionary<string, string>? extra = null) =>
        Publish(record, action, extra);
}
