using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Moat.Api;
using Moat.Api.Routing;
using Moat.Api.Security;
using Moat.Api.SystemInfo;
using Moat.Api.Containers;
using Moat.Api.Volumes;
using Moat.Daemon.Configuration;
using Moat.Daemon.Hosting.Logging;
using Moat.Daemon.Listeners;
using Moat.Engine.Events;

namespace Moat.Daemon.Hosting;

/// <summary>
/// The composition root: 1. logging, 2. pidfile, 3. listeners (refusals happen here, before anything is served),
/// 4. services and routes, 5. serve until a signal, then STOPPING=1, stop, remove sockets and the pidfile.
/// </summary>
public static partial class DaemonHost
{
    public const string EngineVersion = "28.2.2-moat";

    /// <param name="reload">Re-reads the configuration on SIGHUP; defaults to the loader on this process's arguments.</param>
    public static async Task<int> RunAsync(DaemonSettings settings, Func<DaemonSettings>? reload = null)
    {
        reload ??= () => DaemonConfigLoader.Load(Environment.GetCommandLineArgs()[1..]);
        var level = new LogLevelSwitch(settings.MinimumLogLevel);
        var logs = new DaemonLoggerProvider(level, settings.LogFormat);
        var logger = logs.CreateLogger("Moat.Daemon");
        var notify = SdNotify.FromEnvironment();
        // dockerd forces umask 0022 so that files and directories it creates are not group/world writable.
        Moat.Linux.Libc.umask(0b000_010_010);

        PidFile pidFile;
        ListenerSet listeners;
        try
        {
            pidFile = PidFile.Create(settings.PidFile);
        }
        catch (ConfigurationException e)
        {
            Console.Error.WriteLine(e.Message);
            return e.ExitCode;
        }
        try
        {
            listeners = ListenerSet.Create(settings, logger, SystemdActivation.TakeListenFds());
        }
        catch (ConfigurationException e)
        {
            pidFile.Dispose();
            Console.Error.WriteLine(e.Message);
            return e.ExitCode;
        }

        try
        {
            // The engine ID: loaded (or created atomically) once, here; /info and daemon events both use this one.
            string engineId;
            try
            {
                engineId = EngineId.LoadOrCreate(settings.DataRoot);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                Console.Error.WriteLine($"failed to start daemon: {e.Message}");
                return 1;
            }

            // The empty builder: no appsettings.json watchers, environment scans or default providers to pay for at
            // start-up; moatd's configuration is flags + daemon.json (DaemonSettings), nothing else.
            var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
            builder.WebHost.UseKestrelCore();
            builder.Logging.ClearProviders();
            builder.Logging.AddProvider(logs);
            builder.Logging.SetMinimumLevel(LogLevel.Trace);
            builder.Logging.AddFilter("Microsoft", LogLevel.Warning);
            builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(15));

            var server = new ServerIdentity(EngineVersion, "moat");
            var routes = new RouteTable();
            SystemRoutes.Map(routes, server);
            Moat.Api.Images.ImageRoutes.Map(routes);
            ContainerRoutes.Map(routes);
            VolumeRoutes.Map(routes);

            var holder = new SettingsHolder(settings);
            builder.Services.AddSingleton(settings);
            builder.Services.AddSingleton(holder);
            builder.Services.AddSingleton(server);
            builder.Services.AddSingleton(routes);
            builder.Services.AddMoatSecurity(settings, LoggerFactory.Create(l => l.AddProvider(logs)));
            builder.Services.AddSingleton<ApiPipeline>();
            var facts = new LiveDaemonFacts(holder, engineId);
            builder.Services.AddMoatSystemInfo(() => facts.Current);
            Moat.Api.Images.ImagesServiceCollectionExtensions.AddImages(builder.Services, settings.DataRoot);
            builder.Services.AddDataAtRest(settings, w => logger.LogWarning("{Warning}", w));
            builder.Services.AddContainers(ContainerSetup.Options(settings), ContainerSetup.Runtime(settings));
            builder.Services.AddSingleton(TimeProvider.System);
            builder.Services.AddSingleton<EventBus>();
            builder.Services.AddSingleton(new DaemonIdentity(engineId));

            builder.Services.AddSingleton(level);
            builder.Services.AddSingleton(notify);
            builder.Services.AddSingleton(listeners);
            builder.Services.AddSingleton<IInfoContributor, ListenerInfoContributor>();
            builder.Services.AddSingleton(sp => new ConfigReloader(
                holder, reload, listeners.Tls, sp.GetRequiredService<EventBus>(), sp.GetRequiredService<DaemonIdentity>(),
                notify, level, sp.GetRequiredService<ILogger<ConfigReloader>>(), sp.GetService<PolicyStore>()));
            builder.Services.AddSingleton<IHostLifetime>(sp => new DaemonLifetime(
                sp.GetRequiredService<IHostApplicationLifetime>(), notify,
                () => sp.GetRequiredService<ConfigReloader>().ReloadAsync(), sp.GetRequiredService<ILogger<DaemonLifetime>>()));
            builder.Services.AddHostedService<TlsFileWatcher>();

            builder.WebHost.UseKestrel(k =>
            {
                k.AddServerHeader = false;
                listeners.Configure(k);
            });

            var app = builder.Build();
            var pipeline = app.Services.GetRequiredService<ApiPipeline>();
            app.Run(pipeline.InvokeAsync);

            try
            {
                await app.StartAsync();
            }
            catch (Exception e) when (e is IOException or InvalidOperationException or System.Net.Sockets.SocketException)
            {
                Console.Error.WriteLine($"failed to start daemon: {e.Message}");
                return 1;
            }
            notify.Ready();
            Log.Initialized(logger);
            await app.WaitForShutdownAsync();
            notify.Stopping();
            await app.DisposeAsync();
            Log.Stopped(logger);
            return 0;
        }
        finally
        {
            listeners.Dispose();
            pidFile.Dispose();
            logs.Dispose();
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 3001, Level = LogLevel.Information, Message = "Daemon has completed initialization")]
        public static partial void Initialized(ILogger logger);

        [LoggerMessage(EventId = 3002, Level = LogLevel.Information, Message = "Daemon shutdown complete")]
        public static partial void Stopped(ILogger logger);
    }
}
