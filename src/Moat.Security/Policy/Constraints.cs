using Moat.Linux.FileSystem;
using Moat.Security.Identity;

namespace Moat.Security.Policy;

/// <summary>
/// What a non-admin role may create, checked on the decoded request. Each check returns null when the
/// request is within limits, else the rule it breaks (shown to the caller and written to the audit log).
/// </summary>
public sealed class Constraints
{
    private static readonly string[] NamespaceNames = ["pid", "ipc", "uts", "network", "userns", "cgroupns"];

    public Constraints(ConstraintsDocument? doc)
    {
        doc ??= new ConstraintsDocument();
        Privileged = doc.Privileged;
        Capabilities = [.. (doc.Capabilities ?? []).Select(NormalizeCapability)];
        Devices = doc.Devices ?? [];
        HostNamespaces = [.. (doc.HostNamespaces ?? []).Select(n => n.ToLowerInvariant())];
        foreach (var n in HostNamespaces)
            if (!NamespaceNames.Contains(n)) throw new PolicyException($"unknown host namespace \"{n}\" (one of {string.Join(", ", NamespaceNames)})");
        BindMounts = doc.BindMounts ?? [];
        foreach (var b in BindMounts)
            if (!b.StartsWith('/')) throw new PolicyException($"bind-mount prefix \"{b}\" must be an absolute path");
        AllowUnconfined = doc.AllowUnconfined;
        Runtimes = doc.Runtimes ?? [];
        Sysctls = doc.Sysctls ?? [];
        Images = doc.Images;
    }

    public static Constraints Default { get; } = new(null);

    public bool Privileged { get; }
    public IReadOnlyList<string> Capabilities { get; }
    public IReadOnlyList<string> Devices { get; }
    public IReadOnlyList<string> HostNamespaces { get; }
    public IReadOnlyList<string> BindMounts { get; }
    public bool AllowUnconfined { get; }
    public IReadOnlyList<string> Runtimes { get; }
    public IReadOnlyList<string> Sysctls { get; }
    public IReadOnlyList<string>? Images { get; }

    public string? Check(ContainerCreateFacts f, Caller caller, PolicyHostFacts daemon)
    {
        if (f.Privileged && !Privileged) return "privileged containers are not allowed";
        foreach (var cap in f.CapAdd)
        {
            string c = NormalizeCapability(cap);
            if (!Capabilities.Contains(c)) return $"capability {c} is not allowed";
        }
        foreach (var d in f.Devices)
            if (!Devices.Any(p => Actions.Glob(p.AsSpan(), d.AsSpan()))) return $"device {d} is not allowed";
        foreach (var (name, mode) in new[] { ("pid", f.PidMode), ("ipc", f.IpcMode), ("uts", f.UtsMode), ("network", f.NetworkMode), ("userns", f.UsernsMode), ("cgroupns", f.CgroupnsMode) })
            if (string.Equals(mode?.Trim(), "host", StringComparison.OrdinalIgnoreCase) && !HostNamespaces.Contains(name))
                return $"host {name} namespace is not allowed";
        foreach (var source in f.BindSources)
            if (CheckBind(source, caller, daemon) is { } bad) return bad;
        foreach (var opt in f.SecurityOpt)
            if (CheckSecurityOption(opt) is { } bad) return bad;
        if (!string.IsNullOrEmpty(f.Runtime) && f.Runtime != daemon.DefaultRuntime && !Runtimes.Contains(f.Runtime))
            return $"runtime {f.Runtime} is not allowed";
        foreach (var key in f.Sysctls)
            if (!Sysctls.Any(p => Actions.Glob(p.AsSpan(), key.AsSpan()))) return $"sysctl {key} is not allowed";
        if (Images is not null && !ImageReference.MatchesAny(f.Image, Images))
            return $"image {f.Image} is not allowed";
        return null;
    }

    public string? Check(ExecCreateFacts f) => f.Privileged && !Privileged ? "privileged exec is not allowed" : null;

    public string? Check(VolumeCreateFacts f, Caller caller, PolicyHostFacts daemon)
    {
        bool local = string.IsNullOrEmpty(f.Driver) || f.Driver == "local";
        if (local && ContainerCreateFacts.LocalVolumeBindDevice(f.DriverOpts) is { } device)
            return CheckBind(device, caller, daemon);
        return null;
    }

    /// <summary>
    /// A bind source is checked after resolving symlinks (so /home/u/root → / cannot pass a prefix check);
    /// it must lie under an allowed prefix and must neither contain nor lie inside a daemon path.
    /// </summary>
    internal string? CheckBind(string source, Caller caller, PolicyHostFacts daemon)
    {
        if (!source.StartsWith('/')) return $"bind mount source {source} must be an absolute path";
        string resolved = RealPath.Resolve(source);
        foreach (var p in daemon.ProtectedPaths)
            if (IsUnder(resolved, p) || IsUnder(p, resolved)) return $"bind mount of {source} exposes the daemon's {p}";
        foreach (var prefix in BindMounts)
        {
            string expanded = prefix.Replace("{user}", caller.User, StringComparison.Ordinal);
            if (IsUnder(resolved, RealPath.Resolve(expanded))) return null;
        }
        return $"bind mount of {source} is not allowed";
    }

    internal static bool IsUnder(string path, string prefix)
    {
        if (prefix == "/") return true;
        string p = prefix.TrimEnd('/');
        return path == p || path.StartsWith(p + "/", StringComparison.Ordinal);
    }

    private string? CheckSecurityOption(string option)
    {
        if (AllowUnconfined) return null;
        int sep = option.IndexOfAny(['=', ':']);
        string key = (sep < 0 ? option : option[..sep]).Trim().ToLowerInvariant();
        string value = (sep < 0 ? "" : option[(sep + 1)..]).Trim().ToLowerInvariant();
        bool weakens = key switch
        {
            "seccomp" => true, // unconfined or a custom profile: either can allow every syscall
            "apparmor" => value == "unconfined",
            "no-new-privileges" => value == "false",
            "label" => value == "disable" || value.StartsWith("type:", StringComparison.Ordinal),
            "systempaths" => value == "unconfined",
            "writable-cgroups" => value == "true",
            _ => true, // unknown options are refused rather than guessed at
        };
        return weakens ? $"security option {option} is not allowed" : null;
    }

    internal static string NormalizeCapability(string cap)
    {
        string c = cap.Trim().ToUpperInvariant();
        return c.StartsWith("CAP_", StringComparison.Ordinal) ? c[4..] : c;
    }
}
