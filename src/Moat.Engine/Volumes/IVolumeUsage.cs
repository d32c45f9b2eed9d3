namespace Moat.Engine.Volumes;

/// <summary>Which containers use a volume; implemented by the container store so that rm and prune refuse volumes in use.</summary>
public interface IVolumeUsage
{
    IReadOnlyList<string> ContainersUsing(string volumeName);
}
