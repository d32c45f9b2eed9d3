using Microsoft.Extensions.Logging.Abstractions;
using Moat.Engine.Containers;
using Moat.Engine.Events;
using Moat.Engine.Volumes;

namespace Moat.Engine.Tests.Containers;

/// <summary>A temp data-root with the container store, volume service and container service over it.</summary>
internal sealed class ContainerTestDir : IDisposable
{
    public ContainerTestDir()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "moat-ctest-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
        Options = new ContainerOptions { DataRoot = Path };
        Events = new EventBus(TimeProvider.System);
    }

    public string Path { get; }
    public ContainerOptions Options { get; }
    public EventBus Events { get; }

    public ContainerStore NewStore() => new(Options, NullLogger<ContainerStore>.Instance);

    public VolumeService NewVolumes() => new(Options, Events, TimeProvider.System, NullLogger<VolumeService>.Instance);

    public ContainerService NewService(ContainerStore store, VolumeService volumes) =>
        new(store, new NoImageResolver(), new NoContainerRuntime(), volumes, Events, TimeProvider.System, Options, NullLogger<ContainerService>.Instance);

    public static ContainerRecord Record(string name, string? id = null) => new()
    {
        Id = id ?? ContainerNames.NewId(),
        Name = "/" + name,
        Created = DateTimeOffset.UtcNow,
        Path = "sh",
        Config = new Api.Contracts.Containers.ContainerConfig { Image = "busybox", Labels = new() { ["app"] = name } },
    };

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { }
    }
}
