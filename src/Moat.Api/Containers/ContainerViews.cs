using Moat.Api.Contracts.Containers;
using Moat.Engine.Containers;

namespace Moat.Api.Containers;

/// <summary>Maps container records to Docker's inspect and list shapes.</summary>
public static class ContainerViews
{
    public static ContainerInspectResponse Inspect(ContainerRecord r)
    {
        var s = r.State;
        var state = new ContainerState
        {
            Status = s.Status.ToDocker(),
            Running = s.Status is ContainerStatus.Running or ContainerStatus.Paused or ContainerStatus.Restarting,
            Paused = s.Status == ContainerStatus.Paused,
            Restarting = s.Status == ContainerStatus.Restarting,
            OOMKilled = s.OomKilled,
            Dead = s.Status == ContainerStatus.Dead,
            Pid = s.Pid,
            ExitCode = s.ExitCode,
            Error = s.Error,
            StartedAt = QueryValues.Rfc3339Nano(s.StartedAt),
            FinishedAt = QueryValues.Rfc3339Nano(s.FinishedAt),
        };
        return new ContainerInspectResponse
        {
            Id = r.Id,
            Created = QueryValues.Rfc3339Nano(r.Created),
            Path = r.Path,
            Args = r.Args,
            State = state,
            Image = r.ImageId,
            LogPath = r.LogPath,
            Name = r.Name,
            RestartCount = r.RestartCount,
            HostConfig = r.HostConfig,
            GraphDriver = new GraphDriverData
            {
                Name = "overlay2",
                Data = new Dictionary<string, string> { ["LowerDir"] = string.Join(':', r.LowerDirs) },
            },
            Mounts = r.Mounts.Select(MountPoint).ToList(),
            Config = r.Config,
            NetworkSettings = Network(r),
        };
    }

    public static MountPoint MountPoint(MountRecord m) => new()
    {
        Type = m.Type,
        Name = m.Type == "volume" ? m.Name : null,
        Source = m.Source,
        Destination = m.Destination,
        Driver = m.Type == "volume" ? "local" : null,
        Mode = m.Mode,
        RW = m.RW,
        Propagation = m.Propagation,
    };

    private static NetworkSettings Network(ContainerRecord r)
    {
        var settings = new NetworkSettings();
        string mode = r.HostConfig.NetworkMode;
        if (mode is "none" or "host")
            settings.Networks[mode] = new EndpointSettings();
        return settings;
    }

    public static ContainerSummary Summary(ContainerRecord r, ContainerService service)
    {
        var summary = new ContainerSummary
        {
            Id = r.Id,
            Names = [r.Name],
            Image = r.Config.Image,
            ImageID = r.ImageId,
            Command = string.Join(' ', new[] { r.Path }.Concat(r.Args)),
            Created = r.Created.ToUnixTimeSeconds(),
            Labels = r.Config.Labels ?? [],
            State = r.State.Status.ToDocker(),
            Status = service.StatusText(r),
            HostConfig = new SummaryHostConfig { NetworkMode = r.HostConfig.NetworkMode },
            Mounts = r.Mounts.Select(MountPoint).ToList(),
        };
        if (r.HostConfig.NetworkMode is "none" or "host")
            summary.NetworkSettings.Networks[r.HostConfig.NetworkMode] = new EndpointSettings();
        return summary;
    }
}
