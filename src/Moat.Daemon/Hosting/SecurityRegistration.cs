using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Moat.Api.Security;
using Moat.Daemon.Configuration;
using Moat.Security.Policy;

namespace Moat.Daemon.Hosting;

/// <summary>Maps the daemon's settings onto the security layer (authorization policy, audit log, protected paths).</summary>
public static class SecurityRegistration
{
    /// <exception cref="ConfigurationException">The named policy or the audit log cannot be used: the daemon refuses to start.</exception>
    public static IServiceCollection AddMoatSecurity(this IServiceCollection services, DaemonSettings settings, ILoggerFactory? loggers = null)
    {
        var protectedPaths = new List<string> { settings.DataRoot, settings.ExecRoot, settings.PidFile };
        foreach (var host in settings.Hosts)
            if (host.StartsWith("unix://", StringComparison.Ordinal)) protectedPaths.Add(host["unix://".Length..]);
        if (settings.TlsKey is not null) protectedPaths.Add(settings.TlsKey);
        try
        {
            return services.AddMoatSecurity(new SecurityOptions
            {
                PolicyPath = settings.AuthorizationPolicy,
                AuditLogPath = settings.AuditLog,
                ProtectedPaths = protectedPaths,
                DefaultRuntime = settings.DefaultRuntime,
                TrustClientCertificates = settings.TlsVerify,
            }, loggers);
        }
        catch (PolicyException e)
        {
            throw new ConfigurationException($"failed to start daemon: {e.Message}");
        }
    }
}
