using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Moat.Engine.Containers;
using Moat.Engine.Events;
using Moat.Engine.Images;
using Moat.Engine.Runtime;
using Moat.Engine.Volumes;

namespace Moat.Api.Containers;

public static class ContainerServiceCollectionExtensions
{
    /// <summary>
    /// The container and volume services, their store and the start/stop hooks. An image store and a runtime
    /// register <see cref="IImageResolver"/> and <see cref="IContainerRuntime"/>; until then placeholders refuse.
    /// </summary>
    public static IServiceCollection AddContainers(this IServiceCollection services, ContainerOptions options, RuntimeOptions? runtime = null)
    {
        services.AddSingleton(options);
        if (runtime is not null)
        {
            services.TryAddSingleton(_ => new RuntimeService(runtime));
            services.TryAddSingleton<IContainerRuntime, RuntimeServiceAdapter>();
        }
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<EventBus>();
        services.TryAddSingleton<IImageResolver, ImageResolverAdapter>();
        services.Replace(ServiceDescriptor.Singleton<IImageUsage, ContainerImageUsage>());
        services.TryAddSingleton<IContainerRuntime, NoContainerRuntime>();
        services.AddSingleton<ContainerStore>();
        services.AddSingleton<VolumeService>();
        services.AddSingleton<ContainerService>();
        services.AddSingleton(sp => new Moat.Engine.Exec.ExecService(sp.GetRequiredService<ContainerService>(), sp.GetRequiredService<EventBus>(),
            sp.GetRequiredService<TimeProvider>(), sp.GetService<RuntimeService>()));
        services.AddSingleton<Moat.Api.SystemInfo.IInfoContributor, ContainersInfoContributor>();
        services.AddSingleton<Moat.Api.SystemInfo.ISystemDfContributor, ContainersDfContributor>();
        services.AddSingleton<Moat.Api.SystemInfo.ISystemDfContributor, Moat.Api.Volumes.VolumesDfContributor>();
        services.AddSingleton<IVolumeUsage>(sp => sp.GetRequiredService<ContainerService>());
        services.AddHostedService<ContainerLifecycleHost>();
        // Attach needs half-closed connections to keep working (see HalfClose); applies to every listener.
        services.Configure<KestrelServerOptions>(k => k.ConfigureEndpointDefaults(listen => listen.Use(HalfClose.Middleware).Use(Streaming.UpgradeBody.Middleware)));
        return services;
    }
}

/// <summary>Reconciles containers when moatd starts and stops (or leaves, with live-restore) them when it stops.</summary>
public sealed class ContainerLifecycleHost(ContainerService containers) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await containers.RecoverAsync(cancellationToken);
        await containers.StartPolicyContainersAsync(cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken) => containers.ShutdownAsync(cancellationToken);
}
