using System.Runtime.InteropServices;
using System.Text.Json;
using Moat.Engine.Errors;
using Moat.Engine.Runtime.Oci;

namespace Moat.Engine.Runtime.Seccomp;

/// <summary>
/// Turns a Docker-format seccomp profile into the OCI section for one container, as moby's
/// profiles/seccomp setupSeccomp does: keep the native architecture's archMap entry, and keep a rule only when
/// its includes hold and its excludes do not, judged by the container's bounding capabilities, the machine's
/// architecture and the running kernel's version.
/// </summary>
public static class SeccompProfileConverter
{
    /// <summary>Largest custom profile accepted (Docker's default profile is ~20 KiB).</summary>
    public const int MaxProfileBytes = 1 << 20;

    private static readonly Lazy<SeccompProfile> Builtin = new(LoadBuiltin);

    /// <summary>Docker's default profile, embedded from Resources/seccomp-default.json (Apache-2.0, see NOTICE).</summary>
    public static SeccompProfile DefaultProfile => Builtin.Value;

    /// <summary>Parses a custom profile (the content of `--security-opt seccomp=file.json`).</summary>
    public static SeccompProfile Parse(string json)
    {
        if (json.Length > MaxProfileBytes) throw new InvalidArgumentException("Decoding seccomp profile failed: profile is larger than 1 MiB");
        try
        {
            return JsonSerializer.Deserialize(json, OciJsonContext.Default.SeccompProfile)
                ?? throw new InvalidArgumentException("Decoding seccomp profile failed: profile is null");
        }
        catch (JsonException e)
        {
            throw new InvalidArgumentException($"Decoding seccomp profile failed: {e.Message}", e);
        }
    }

    /// <param name="boundingCaps">The container's bounding set, CAP_ names.</param>
    /// <param name="goArch">Go name of the machine architecture (amd64, arm64); null = this machine.</param>
    /// <param name="kernel">Running kernel version; null = this machine's.</param>
    public static OciSeccomp Convert(SeccompProfile profile, IReadOnlyCollection<string> boundingCaps, string? goArch = null, Version? kernel = null)
    {
        goArch ??= CurrentGoArch();
        kernel ??= CurrentKernel();
        if (string.IsNullOrEmpty(profile.DefaultAction))
            throw new InvalidArgumentException("Decoding seccomp profile failed: defaultAction is required");
        if (profile.Architectures is { Count: > 0 } && profile.ArchMap is { Count: > 0 })
            throw new InvalidArgumentException("Decoding seccomp profile failed: both 'architectures' and 'archMap' are specified in the seccomp profile, use either 'architectures' or 'archMap'");

        var result = new OciSeccomp
        {
            DefaultAction = profile.DefaultAction,
            DefaultErrnoRet = profile.DefaultErrnoRet,
            Flags = profile.Flags is { Count: > 0 } ? [.. profile.Flags] : null,
            Architectures = profile.Architectures is { Count: > 0 } ? [.. profile.Architectures] : null,
            Syscalls = [],
        };
        string native = NativeArch(goArch);
        foreach (var a in profile.ArchMap ?? [])
        {
            if (a.Architecture != native) continue;
            result.Architectures ??= [];
            result.Architectures.Add(a.Architecture);
            result.Architectures.AddRange(a.SubArchitectures ?? []);
        }

        var caps = new HashSet<string>(boundingCaps, StringComparer.Ordinal);
        foreach (var rule in profile.Syscalls ?? [])
        {
            var names = new List<string>();
            if (!string.IsNullOrEmpty(rule.Name))
            {
                if (rule.Names is { Count: > 0 })
                    throw new InvalidArgumentException("Decoding seccomp profile failed: use either 'name' or 'names'");
                names.Add(rule.Name);
            }
            else if (rule.Names is not null) names.AddRange(rule.Names);

            if (rule.Excludes is { } ex)
            {
                if (ex.Arches is { Count: > 0 } && ex.Arches.Contains(goArch)) continue;
                if (ex.Caps is { Count: > 0 } && ex.Caps.Any(caps.Contains)) continue;
                if (ex.MinKernel is { } mk && kernel >= ParseKernel(mk)) continue;
            }
            if (rule.Includes is { } inc)
            {
                if (inc.Arches is { Count: > 0 } && !inc.Arches.Contains(goArch)) continue;
                if (inc.Caps is { Count: > 0 } && !inc.Caps.All(caps.Contains)) continue;
                if (inc.MinKernel is { } mk && kernel < ParseKernel(mk)) continue;
            }
            result.Syscalls.Add(new OciSyscall
            {
                Names = names,
                Action = rule.Action,
                ErrnoRet = rule.ErrnoRet,
                Args = rule.Args is { Count: > 0 } ? rule.Args : null,
            });
        }
        return result;
    }

    /// <summary>Go's GOARCH for this process.</summary>
    public static string CurrentGoArch() => RuntimeInformation.ProcessArchitecture switch
    {
        Architecture.X64 => "amd64",
        Architecture.X86 => "386",
        Architecture.Arm64 => "arm64",
        Architecture.Arm => "arm",
        Architecture.S390x => "s390x",
        Architecture.Ppc64le => "ppc64le",
        Architecture.RiscV64 => "riscv64",
        Architecture.LoongArch64 => "loong64",
        _ => "unknown",
    };

    /// <summary>libseccomp's name of a Go architecture (moby's goToNative).</summary>
    public static string NativeArch(string goArch) => goArch switch
    {
        "386" => "SCMP_ARCH_X86",
        "amd64" => "SCMP_ARCH_X86_64",
        "arm" => "SCMP_ARCH_ARM",
        "arm64" => "SCMP_ARCH_AARCH64",
        "mips64" => "SCMP_ARCH_MIPS64",
        "mips64le" => "SCMP_ARCH_MIPSEL64",
        "mipsle" => "SCMP_ARCH_MIPSEL",
        "ppc64le" => "SCMP_ARCH_PPC64LE",
        "riscv64" => "SCMP_ARCH_RISCV64",
        "s390x" => "SCMP_ARCH_S390X",
        "loong64" => "SCMP_ARCH_LOONGARCH64",
        _ => "SCMP_ARCH_" + goArch.ToUpperInvariant(),
    };

    /// <summary>The running kernel's major.minor (from /proc/sys/kernel/osrelease, e.g. "6.18.44-fc" → 6.18).</summary>
    public static Version CurrentKernel()
    {
        try { return ParseKernel(File.ReadAllText("/proc/sys/kernel/osrelease").Trim()); }
        catch (IOException) { return new Version(0, 0); }
    }

    internal static Version ParseKernel(string text)
    {
        var parts = text.Split('.', 3);
        if (parts.Length < 2 || !int.TryParse(parts[0], out int major) || !int.TryParse(new string(parts[1].TakeWhile(char.IsAsciiDigit).ToArray()), out int minor))
            throw new InvalidArgumentException($"Decoding seccomp profile failed: invalid kernel version: {text}");
        return new Version(major, minor);
    }

    private static SeccompProfile LoadBuiltin()
    {
        using var stream = typeof(SeccompProfileConverter).Assembly.GetManifestResourceStream("Moat.Engine.Runtime.Seccomp.seccomp-default.json")
            ?? throw new InvalidOperationException("the embedded default seccomp profile is missing");
        return JsonSerializer.Deserialize(stream, OciJsonContext.Default.SeccompProfile)
            ?? throw new InvalidOperationException("the embedded default seccomp profile is empty");
    }
}
