using Microsoft.Extensions.Logging;

namespace Moat.Engine.Containers;

/// <summary>The container lifecycle's hooks for encryption at rest: unlock encrypted volumes before a start, lock after the exit.</summary>
public sealed partial class ContainerService
{
    /// <summary>docker run --volume-driver: "" means the daemon's default-volume-driver.</summary>
    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;

    private static IEnumerable<string> VolumeNames(ContainerRecord record) =>
        record.Mounts.Where(m => m.Type == "volume" && m.Name is not null).Select(m => m.Name!);

    /// <summary>Refuses a container whose configuration is sealed away, then mounts its encrypted volumes (errors are the start error).</summary>
    private async Task BeforeStartAtRestAsync(ContainerRecord record, CancellationToken cancellationToken)
    {
        _store.EnsureUnsealed(record);
        await _volumes.MountForAsync(record.Id, VolumeNames(record), cancellationToken);
    }

    /// <summary>The container no longer runs: its encrypted volumes that no other running container uses are locked.</summary>
    private void AfterExitAtRest(ContainerRecord record) => _volumes.Release(record.Id);

    /// <summary>A container still running after a moatd restart keeps its encrypted volumes (adopted if still mounted).</summary>
    private async Task ReadoptAtRestAsync(ContainerRecord record, CancellationToken cancellationToken)
    {
        try
        {
            await _volumes.MountForAsync(record.Id, VolumeNames(record), cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            _logger.LogWarning(e, "container {Id}: its encrypted volumes could not be re-adopted", record.Id);
        }
    }
}
