using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Moat.Api.SystemInfo;
using Moat.Security.Audit;
using Moat.Security.Identity;
using Moat.Security.Policy;

namespace Moat.Api.Security;

/// <summary>What the daemon tells the security layer at start.</summary>
public sealed record SecurityOptions
{
    /// <summary>daemon.json "authorization-policy"; null = dockerd's behaviour (everyone who connects is an administrator).</summary>
    public string? PolicyPath { get; init; }
    /// <summary>daemon.json "audit-log"; written whenever a policy is configured.</summary>
    public string AuditLogPath { get; init; } = "/var/log/moat/audit.log";
    public long AuditMaxFileBytes { get; init; } = 100 * 1024 * 1024;
    /// <summary>Paths no non-admin may bind-mount: sockets, data-root, exec-root…</summary>
    public IReadOnlyList<string> ProtectedPaths { get; init; } = [];
    public string DefaultRuntime { get; init; } = "runc";
    /// <summary>
    /// True when TLS listeners verify client certificates against the CA (tlsverify). When false a presented
    /// certificate proves nothing and its holder stays anonymous.
    /// </summary>
    public bool TrustClientCertificates { get; init; } = true;
}

public static class SecurityServiceCollectionExtensions
{
    /// <summary>
    /// Registers the authorizer. With a policy, it is loaded now: a missing or broken file throws
    /// <see cref="PolicyException"/> and the daemon must refuse to start (fail closed).
    /// </summary>
    public static IServiceCollection AddMoatSecurity(this IServiceCollection services, SecurityOptions options, ILoggerFactory? loggers = null)
    {
        // Who is calling is known on every request, policy or not (debug log, audit, later ownership).
        var identity = new ConnectionIdentity(UnixAccounts.System, options.TrustClientCertificates);
        services.AddSingleton(identity);
        services.AddSingleton<ICallerResolver>(identity);
        if (options.PolicyPath is null)
        {
            // dockerd's behaviour; /info warns about it (SystemInfo.NoAuthorizationWarning).
            services.AddSingleton<IRequestAuthorizer, AllowAllAuthorizer>();
            return services;
        }

        loggers ??= NullLoggerFactory.Instance;
        var store = new PolicyStore(options.PolicyPath, loggers.CreateLogger<PolicyStore>());
        AuditLog audit;
        try
        {
            var auditLogger = loggers.CreateLogger<AuditLog>();
            audit = AuditLog.Open(options.AuditLogPath, options.AuditMaxFileBytes, onError: e => auditLogger.LogError(e, "Writing the audit log failed"));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new PolicyException($"audit log {options.AuditLogPath}: {e.Message}", e);
        }
        _ = audit.AppendAsync(new AuditEntry { Kind = "daemon", Action = "daemon.start", Message = $"policy {options.PolicyPath}" });

        var protectedPaths = new List<string>(options.ProtectedPaths) { options.PolicyPath, Path.GetDirectoryName(Path.GetFullPath(options.AuditLogPath))! };
        services.AddSingleton(store);
        services.AddSingleton(audit);
        services.AddSingleton(new PolicyHostFacts(protectedPaths, options.DefaultRuntime));
        services.AddSingleton<IRequestAuthorizer, PolicyAuthorizer>();
        services.AddSingleton<IEventVisibility, OwnEventsVisible>();
        services.AddHostedService(sp => new AuditEventRecorder(audit, sp.GetService<Moat.Engine.Events.EventBus>(), sp.GetService<Microsoft.Extensions.Hosting.IHostApplicationLifetime>()));
        return services;
    }
}
