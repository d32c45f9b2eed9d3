using Moat.Api.Contracts.SystemInfo;

namespace Moat.Api.SystemInfo;

/// <summary>The object types of GET /system/df?type=… (dockerd's DiskUsageObject values).</summary>
public enum DiskUsageObject
{
    Container,
    Image,
    Volume,
    BuildCache,
}

/// <summary>
/// Each area fills its part of GET /system/df: images set LayersSize and add to Images, containers to
/// Containers, volumes to Volumes (the lists are already non-null when the type was requested). Items are
/// the area's own wire types, added with <c>JsonSerializer.SerializeToElement(item, context.Default.X)</c>.
/// </summary>
public interface ISystemDfContributor
{
    DiskUsageObject Object { get; }

    ValueTask ContributeAsync(SystemDfResponse response, CancellationToken cancellationToken);
}
