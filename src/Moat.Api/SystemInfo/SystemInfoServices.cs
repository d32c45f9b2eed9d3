using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Moat.Api.Security;
using Moat.Engine.Events;

namespace Moat.Api.SystemInfo;

/// <summary>DI registration for /info, /events and /system/df: one call from the composition root.</summary>
public static class SystemInfoServices
{
    /// <summary>
    /// Registers the daemon facts, the event bus (one per daemon), /info's service and default contributor
    /// (the no-authorization warning) and the allow-all event visibility. Idempotent for the shared pieces
    /// (TimeProvider, EventBus, IEventVisibility use TryAdd), so other areas may register them first.
    /// </summary>
    public static IServiceCollection AddMoatSystemInfo(this IServiceCollection services, DaemonFacts facts) =>
        services.AddMoatSystemInfo(() => facts);

    /// <summary>As above with facts that may change while the daemon runs (SIGHUP); <see cref="DaemonFacts"/> itself resolves to the start-up copy.</summary>
    public static IServiceCollection AddMoatSystemInfo(this IServiceCollection services, Func<DaemonFacts> current)
    {
        var source = new DaemonFactsSource(current);
        services.AddSingleton(source);
        services.AddSingleton(source.Current);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<EventBus>();
        services.TryAddSingleton<IEventVisibility, AllEventsVisible>();
        services.AddSingleton<SystemInfoService>();
        services.AddSingleton<IInfoContributor, NoAuthorizationWarning>();
        return services;
    }
}
