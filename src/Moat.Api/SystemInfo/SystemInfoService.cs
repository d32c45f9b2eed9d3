using System.Globalization;
using System.Net;
using Moat.Api.Contracts.SystemInfo;
using Moat.Api.Versioning;
using Moat.Engine.Events;

namespace Moat.Api.SystemInfo;

/// <summary>
/// Builds GET /info: the daemon's own facts (configuration, host, cgroups, security options), then every
/// registered <see cref="IInfoContributor"/> in registration order (images, runtime, listeners, security…).
/// </summary>
public sealed class SystemInfoService
{
    private readonly DaemonFactsSource _source;
    private readonly ServerIdentity _server;
    private readonly EventBus _events;
    private readonly IEnumerable<IInfoContributor> _contributors;
    private readonly TimeProvider _time;
    private readonly Lazy<string> _engineId;
    private readonly Lazy<(string Os, string OsVersion)> _os = new(() => HostFacts.OperatingSystem());
    private readonly Lazy<string> _cgroupMode = new(() => HostFacts.CgroupMode());

    public SystemInfoService(DaemonFactsSource facts, ServerIdentity server, EventBus events, IEnumerable<IInfoContributor> contributors, TimeProvider time)
    {
        _source = facts;
        _server = server;
        _events = events;
        _contributors = contributors;
        _time = time;
        _engineId = new Lazy<string>(() => facts.Current.EngineId ?? EngineId.LoadOrCreate(facts.Current.DataRoot), LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <summary>The persistent daemon ID (data-root/engine-id); the actor ID of daemon events.</summary>
    public string EngineIdentifier => _engineId.Value;

    public SystemInfoResponse Build(ApiVersion version)
    {
        var facts = _source.Current;
        var (os, osVersion) = _os.Value;
        string cgroupMode = _cgroupMode.Value;
        var info = new SystemInfoResponse
        {
            ID = EngineIdentifier,
            DockerRootDir = facts.DataRoot,
            Debug = facts.Debug,
            NFd = HostFacts.OpenFileDescriptors(),
            NGoroutines = HostFacts.Threads(),
            SystemTime = FormatRfc3339Nano(_time.GetLocalNow()),
            LoggingDriver = facts.LoggingDriver,
            CgroupVersion = cgroupMode == "unified" ? "2" : "1",
            CgroupDriver = CgroupDriver(facts, cgroupMode),
            NEventsListener = _events.SubscriberCount,
            KernelVersion = HostFacts.KernelVersion(),
            OperatingSystem = os,
            OSVersion = osVersion,
            OSType = "linux",
            Architecture = HostFacts.Architecture(),
            NCPU = Environment.ProcessorCount,
            MemTotal = HostFacts.MemTotal(),
            Name = HostFacts.Hostname(),
            Labels = [.. facts.Labels],
            ServerVersion = _server.EngineVersion,
            DefaultRuntime = facts.DefaultRuntime,
            LiveRestoreEnabled = facts.LiveRestore,
            HttpProxy = Environment.GetEnvironmentVariable("HTTP_PROXY") ?? Environment.GetEnvironmentVariable("http_proxy") ?? "",
            HttpsProxy = Environment.GetEnvironmentVariable("HTTPS_PROXY") ?? Environment.GetEnvironmentVariable("https_proxy") ?? "",
            NoProxy = Environment.GetEnvironmentVariable("NO_PROXY") ?? Environment.GetEnvironmentVariable("no_proxy") ?? "",
        };
        info.HttpProxy = RedactProxy(info.HttpProxy);
        info.HttpsProxy = RedactProxy(info.HttpsProxy);

        info.Runtimes["runc"] = new RuntimeInfo { Path = "runc" };
        foreach (var (name, runtime) in facts.Runtimes)
            info.Runtimes[name] = new RuntimeInfo { Path = runtime.Path, RuntimeArgs = runtime.Args.Count > 0 ? [.. runtime.Args] : null };

        AddSecurityOptions(facts, info, cgroupMode);
        AddRegistryConfig(facts, info);

        foreach (var contributor in _contributors) contributor.Contribute(info);

        ApplyVersionCompat(info, version);
        return info;
    }

    private static string CgroupDriver(DaemonFacts facts, string cgroupMode)
    {
        if (!string.IsNullOrEmpty(facts.CgroupDriver)) return facts.CgroupDriver;
        if (cgroupMode == "none") return "none";
        // dockerd: systemd by default on cgroup v2 when systemd runs the host, cgroupfs otherwise.
        return cgroupMode == "unified" && HostFacts.SystemdRunning() ? "systemd" : "cgroupfs";
    }

    private static void AddSecurityOptions(DaemonFacts facts, SystemInfoResponse info, string cgroupMode)
    {
        string profile = string.IsNullOrEmpty(facts.SeccompProfile) ? "builtin" : facts.SeccompProfile;
        if (profile != "builtin") info.Warnings.Add("WARNING: daemon is not using the default seccomp profile");
        info.SecurityOptions.Add("name=seccomp,profile=" + profile);
        if (!string.IsNullOrEmpty(facts.UsernsRemap)) info.SecurityOptions.Add("name=userns");
        // dockerd enables private cgroup namespaces by default on cgroup v2 only.
        if (cgroupMode == "unified") info.SecurityOptions.Add("name=cgroupns");
        if (facts.NoNewPrivileges) info.SecurityOptions.Add("name=no-new-privileges");
    }

    private static void AddRegistryConfig(DaemonFacts facts, SystemInfoResponse info)
    {
        var config = info.RegistryConfig;
        config.Mirrors = [.. facts.RegistryMirrors];
        config.IndexConfigs["docker.io"] = new IndexInfo { Name = "docker.io", Mirrors = [.. facts.RegistryMirrors], Secure = true, Official = true };
        foreach (var entry in facts.InsecureRegistries)
        {
            if (entry.Contains('/') && IPNetwork.TryParse(entry, out var network))
            {
                string cidr = network.ToString();
                if (!config.InsecureRegistryCIDRs.Contains(cidr)) config.InsecureRegistryCIDRs.Add(cidr);
            }
            else
            {
                config.IndexConfigs[entry] = new IndexInfo { Name = entry, Mirrors = [], Secure = false, Official = false };
            }
        }
    }

    /// <summary>Fields dockerd adds or removes for older API versions (daemon/server/router/system getInfo).</summary>
    private static void ApplyVersionCompat(SystemInfoResponse info, ApiVersion version)
    {
        if (version < new ApiVersion(1, 44))
            foreach (var runtime in info.Runtimes.Values) runtime.Status = null;
        if (version < new ApiVersion(1, 46)) info.Containerd = null;
        if (version < new ApiVersion(1, 49))
        {
            info.FirewallBackend = null;
            info.ContainerdCommit.Expected = info.ContainerdCommit.ID;
            info.RuncCommit.Expected = info.RuncCommit.ID;
            info.InitCommit.Expected = info.InitCommit.ID;
        }
        if (version < new ApiVersion(1, 50))
        {
            info.DiscoveredDevices = null;
            info.BridgeNfIptables = false;
            info.BridgeNfIp6tables = false;
        }
    }

    /// <summary>A proxy URL without its password (dockerd masks credentials in /info the same way).</summary>
    internal static string RedactProxy(string proxy)
    {
        if (proxy.Length == 0 || !Uri.TryCreate(proxy, UriKind.Absolute, out var uri) || !uri.UserInfo.Contains(':')) return proxy;
        string user = uri.UserInfo[..uri.UserInfo.IndexOf(':')];
        return proxy.Replace(uri.UserInfo + "@", user + ":xxxxx@", StringComparison.Ordinal);
    }

    /// <summary>Go's time.RFC3339Nano: fraction without trailing zeros (none at all when zero), "Z" for UTC.</summary>
    public static string FormatRfc3339Nano(DateTimeOffset time)
    {
        string text = time.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture);
        long fraction = time.Ticks % TimeSpan.TicksPerSecond;
        if (fraction != 0) text += "." + (fraction * 100).ToString("D9", CultureInfo.InvariantCulture).TrimEnd('0');
        if (time.Offset == TimeSpan.Zero) return text + "Z";
        return text + time.ToString("zzz", CultureInfo.InvariantCulture);
    }
}
