using Moat.Engine.Errors;
using Moat.Engine.Images;

namespace Moat.Engine.Containers;

/// <summary><see cref="IImageResolver"/> over the images area's <see cref="ImageService"/> (found lazily, so registration order does not matter).</summary>
public sealed class ImageResolverAdapter(IServiceProvider services) : IImageResolver
{
    public Task<ResolvedImage> ResolveAsync(string reference, CancellationToken cancellationToken)
    {
        if (services.GetService(typeof(ImageService)) is not ImageService images)
            throw new NotFoundException($"No such image: {reference}");
        var image = images.Resolve(reference);
        var c = image.Config;
        var config = new ImageRuntimeConfig
        {
            Env = c.Env,
            Cmd = c.Cmd,
            Entrypoint = c.Entrypoint,
            WorkingDir = c.WorkingDir ?? "",
            User = c.User ?? "",
            Volumes = c.Volumes?.Keys.ToList(),
            StopSignal = c.StopSignal,
            Labels = c.Labels,
            ExposedPorts = c.ExposedPorts?.Keys.ToList(),
        };
        // Overlay wants the top-most layer first; the image lists them bottom first.
        var lower = image.LayerPaths.Reverse().ToList();
        return Task.FromResult(new ResolvedImage(image.Id, config, lower));
    }
}

/// <summary>The images area's rmi/prune check, answered from the in-memory container store.</summary>
public sealed class ContainerImageUsage(ContainerStore store) : IImageUsage
{
    public IReadOnlyList<ImageUser> UsersOf(string imageId)
    {
        var users = new List<ImageUser>();
        foreach (var r in store.All())
            if (r.ImageId == imageId)
                users.Add(new ImageUser(r.Id, r.State.Status is ContainerStatus.Running or ContainerStatus.Paused or ContainerStatus.Restarting));
        return users;
    }
}
