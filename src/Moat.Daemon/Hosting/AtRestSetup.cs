using Microsoft.Extensions.DependencyInjection;
using Moat.Daemon.Configuration;
using Moat.Engine.AtRest;
using Moat.Security.AtRest;

namespace Moat.Daemon.Hosting;

/// <summary>
/// Encryption at rest at start-up: takes the data-root's state lock (so `moat key rotate` cannot run beside moatd),
/// loads the master key (refusing an unsafe key file), and registers <see cref="DataAtRest"/> for the engine.
/// </summary>
internal static class AtRestSetup
{
    /// <exception cref="ConfigurationException">The key file is unsafe or malformed, or another process holds the data-root.</exception>
    public static IServiceCollection AddDataAtRest(this IServiceCollection services, DaemonSettings settings, Action<string> warn)
    {
        var stateLock = StateLock.TryAcquire(settings.DataRoot)
            ?? throw new ConfigurationException($"failed to start daemon: {Path.Combine(settings.DataRoot, StateLock.FileName)} is locked by another process (another moatd, or `moat key rotate`)");
        MasterKeySource.Result key;
        try
        {
            key = MasterKeySource.Load(settings.DataEncryptionKeyFile, Environment.GetEnvironmentVariable("CREDENTIALS_DIRECTORY"));
        }
        catch (Exception e) when (e is AtRestException or IOException or UnauthorizedAccessException)
        {
            stateLock.Dispose();
            throw new ConfigurationException($"failed to start daemon: {e.Message}");
        }
        if (key.Missing is not null)
            warn($"{key.Missing}: encrypted volumes and sealed containers stay locked until the key is back; nothing is deleted");
        if (settings.DefaultVolumeDriver == DataAtRest.CryptDriver && key.Key is null && key.Missing is null)
            warn("default-volume-driver is \"crypt\" but no master key is configured: creating volumes will fail");
        services.AddSingleton(stateLock);
        services.AddSingleton(new DataAtRest(key.Key, key.Source, key.Missing, settings.DefaultVolumeDriver));
        services.AddSingleton<Moat.Api.SystemInfo.IInfoContributor, AtRestInfoContributor>();
        return services;
    }
}
