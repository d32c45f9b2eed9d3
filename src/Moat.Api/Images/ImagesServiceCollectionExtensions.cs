using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Moat.Api.SystemInfo;
using Moat.Engine.Events;
using Moat.Engine.Images;

namespace Moat.Api.Images;

public static class ImagesServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="ImageService"/> (store under &lt;dataRoot&gt;/image/moat, layers under overlay2 or vfs),
    /// its /info part, and opens the store at start-up. Register an <see cref="IImageUsage"/> (the containers
    /// area) to make rmi and prune respect containers; it is resolved lazily, so it may depend on ImageService.
    /// </summary>
    public static IServiceCollection AddImages(this IServiceCollection services, string dataRoot)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp => new EventBus(sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton<IImageUsage, NoImageUsage>();
        services.AddSingleton(sp => new ImageService(
            dataRoot,
            ImageService.CreateLayerStore(dataRoot),
            sp.GetRequiredService<EventBus>(),
            sp.GetRequiredService<TimeProvider>(),
            new LazyImageUsage(sp)));
        services.AddSingleton<IInfoContributor, ImagesInfoContributor>();
        services.AddHostedService<ImagesStartup>();
        return services;
    }

    private sealed class LazyImageUsage(IServiceProvider services) : IImageUsage
    {
        private IImageUsage? _inner;
        public IReadOnlyList<ImageUser> UsersOf(string imageId) => (_inner ??= services.GetRequiredService<IImageUsage>()).UsersOf(imageId);
    }

    /// <summary>Opens the store (overlay check, clean-up of interrupted work) before the API answers.</summary>
    private sealed class ImagesStartup(ImageService images) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            _ = images.Count;
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
