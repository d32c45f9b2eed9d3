using System.Globalization;
using System.Runtime.InteropServices;

namespace Moat.Api.SystemInfo;

/// <summary>
/// Facts about the host read from /proc, /sys and /etc (plain files; the API makes no system calls):
/// each reader returns a neutral value when its source is missing, as dockerd logs and carries on.
/// </summary>
public static class HostFacts
{
    public static string KernelVersion() => ReadTrimmed("/proc/sys/kernel/osrelease");

    public static string Hostname()
    {
        string name = ReadTrimmed("/proc/sys/kernel/hostname");
        return name.Length > 0 ? name : Environment.MachineName;
    }

    /// <summary>uname -m spelling, as dockerd reports it ("x86_64", "aarch64").</summary>
    public static string Architecture() => RuntimeInformation.OSArchitecture switch
    {
        System.Runtime.InteropServices.Architecture.X64 => "x86_64",
        System.Runtime.InteropServices.Architecture.Arm64 => "aarch64",
        System.Runtime.InteropServices.Architecture.X86 => "i686",
        System.Runtime.InteropServices.Architecture.Arm => "armv7l",
        var a => a.ToString().ToLowerInvariant(),
    };

    /// <summary>OperatingSystem and OSVersion from os-release (PRETTY_NAME, VERSION_ID), dockerd's operatingsystem package.</summary>
    public static (string OperatingSystem, string OSVersion) OperatingSystem(string path = "/etc/os-release")
    {
        string? text = ReadOrNull(path) ?? ReadOrNull("/usr/lib/os-release");
        if (text is null) return ("<unknown>", "");
        var values = ParseOsRelease(text);
        values.TryGetValue("PRETTY_NAME", out var pretty);
        values.TryGetValue("VERSION_ID", out var version);
        return (string.IsNullOrEmpty(pretty) ? "Linux" : pretty, version ?? "");
    }

    internal static Dictionary<string, string> ParseOsRelease(string text)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var raw in text.Split('\n'))
        {
            string line = raw.Trim();
            if (line.Length == 0 || line[0] == '#') continue;
            int eq = line.IndexOf('=');
            if (eq <= 0) continue;
            string value = line[(eq + 1)..].Trim();
            if (value.Length >= 2 && (value[0] == '"' || value[0] == '\'') && value[^1] == value[0]) value = value[1..^1];
            values[line[..eq]] = value.Replace("\\\"", "\"", StringComparison.Ordinal).Replace("\\\\", "\\", StringComparison.Ordinal);
        }
        return values;
    }

    /// <summary>MemTotal of /proc/meminfo in bytes.</summary>
    public static long MemTotal(string path = "/proc/meminfo")
    {
        string? text = ReadOrNull(path);
        if (text is null) return 0;
        foreach (var line in text.Split('\n'))
        {
            if (!line.StartsWith("MemTotal:", StringComparison.Ordinal)) continue;
            var parts = line["MemTotal:".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length > 0 && long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out long kb))
                return kb * 1024;
        }
        return 0;
    }

    /// <summary>Open file descriptors of this process (dockerd: NFd).</summary>
    public static int OpenFileDescriptors()
    {
        try { return Directory.GetFileSystemEntries("/proc/self/fd").Length; }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return -1; }
    }

    /// <summary>Threads of this process: Moat's counterpart of dockerd's goroutine count.</summary>
    public static int Threads()
    {
        string? status = ReadOrNull("/proc/self/status");
        if (status is null) return 0;
        foreach (var line in status.Split('\n'))
            if (line.StartsWith("Threads:", StringComparison.Ordinal)
                && int.TryParse(line["Threads:".Length..].Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out int n))
                return n;
        return 0;
    }

    /// <summary>
    /// containerd's cgroups.Mode() as dockerd uses it: "unified" when /sys/fs/cgroup is cgroup2, "hybrid"
    /// when v1 controllers sit beside a cgroup2 /sys/fs/cgroup/unified, "legacy" for v1 only, "none".
    /// </summary>
    public static string CgroupMode(string mountInfo = "/proc/self/mountinfo")
    {
        string? text = ReadOrNull(mountInfo);
        if (text is null) return "none";
        string? root = null, unified = null;
        bool anyV1 = false;
        foreach (var m in Moat.Engine.Storage.MountInfo.Parse(text))
        {
            if (m.MountPoint == "/sys/fs/cgroup") root = m.FsType;
            else if (m.MountPoint == "/sys/fs/cgroup/unified") unified = m.FsType;
            else if (m.MountPoint.StartsWith("/sys/fs/cgroup/", StringComparison.Ordinal) && m.FsType == "cgroup") anyV1 = true;
        }
        if (root == "cgroup2") return "unified";
        if (unified == "cgroup2") return "hybrid";
        return anyV1 || root == "cgroup" ? "legacy" : "none";
    }

    /// <summary>True when systemd is PID 1 (sd_booted: /run/systemd/system exists).</summary>
    public static bool SystemdRunning() => Directory.Exists("/run/systemd/system");

    private static string ReadTrimmed(string path) => ReadOrNull(path)?.Trim() ?? "";

    private static string? ReadOrNull(string path)
    {
        try { return File.ReadAllText(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
    }
}
