using System.Globalization;
using System.Text;
using System.Text.Json;
using Moat.Linux.FileSystem;

namespace Moat.Engine.Containers.Archive;

/// <summary>
/// dockerd's container.PathStat, sent base64(JSON) in the X-Docker-Container-Path-Stat header of HEAD and GET
/// /containers/{id}/archive: {"name","size","mode","mtime","linkTarget"} with mode in Go's os.FileMode bits.
/// </summary>
public sealed record PathStat(string Name, long Size, uint Mode, DateTimeOffset Mtime, string LinkTarget)
{
    public const string HeaderName = "X-Docker-Container-Path-Stat";

    // Go's os.FileMode type bits (io/fs).
    public const uint ModeDir = 1u << 31;
    public const uint ModeSymlink = 1u << 27;
    public const uint ModeDevice = 1u << 26;
    public const uint ModeNamedPipe = 1u << 25;
    public const uint ModeSocket = 1u << 24;
    public const uint ModeSetuid = 1u << 23;
    public const uint ModeSetgid = 1u << 22;
    public const uint ModeCharDevice = 1u << 21;
    public const uint ModeSticky = 1u << 20;

    public bool IsDirectory => (Mode & ModeDir) != 0;

    /// <summary>os.FileMode from a Unix st_mode, as Go's fillFileStatFromSys.</summary>
    public static uint GoFileMode(uint stMode)
    {
        uint mode = stMode & 0x1ff;
        mode |= (stMode & 0xF000) switch
        {
            0x6000 => ModeDevice,
            0x2000 => ModeDevice | ModeCharDevice,
            0x4000 => ModeDir,
            0x1000 => ModeNamedPipe,
            0xA000 => ModeSymlink,
            0xC000 => ModeSocket,
            _ => 0u,
        };
        if ((stMode & 0x800) != 0) mode |= ModeSetuid;
        if ((stMode & 0x400) != 0) mode |= ModeSetgid;
        if ((stMode & 0x200) != 0) mode |= ModeSticky;
        return mode;
    }

    public static PathStat From(string name, EntryStat stat, string linkTarget) =>
        new(name, stat.Size, GoFileMode(stat.Mode), stat.ModifyTime, linkTarget);

    /// <summary>The JSON as Go's encoding/json writes the struct (field order, RFC 3339 time with trimmed nanoseconds).</summary>
    public string ToJson()
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("name", Name);
            w.WriteNumber("size", Size);
            w.WriteNumber("mode", Mode);
            w.WriteString("mtime", GoTime(Mtime));
            w.WriteString("linkTarget", LinkTarget);
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>The header value: base64 (standard alphabet, padded) of <see cref="ToJson"/>.</summary>
    public string ToHeader() => Convert.ToBase64String(Encoding.UTF8.GetBytes(ToJson()));

    /// <summary>Go's time.Time MarshalJSON (RFC3339Nano) of a UTC time: fraction without trailing zeros, "Z".</summary>
    public static string GoTime(DateTimeOffset time)
    {
        var utc = time.ToUniversalTime();
        string text = utc.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture);
        long fraction = utc.Ticks % TimeSpan.TicksPerSecond; // 100 ns units
        if (fraction != 0) text += "." + (fraction * 100).ToString("D9", CultureInfo.InvariantCulture).TrimEnd('0');
        return text + "Z";
    }

    /// <summary>Go's filepath.Base: the last element after trailing slashes are dropped; "/" for the root, "." for "".</summary>
    public static string GoBase(string path)
    {
        if (path.Length == 0) return ".";
        string trimmed = path.TrimEnd('/');
        if (trimmed.Length == 0) return "/";
        int slash = trimmed.LastIndexOf('/');
        return slash < 0 ? trimmed : trimmed[(slash + 1)..];
    }

    /// <summary>
    /// dockerd's absPath: archive.PreserveTrailingDotOrSeparator(filepath.Join("/", path), path) — cleaned and absolute,
    /// keeping a trailing "/." or "/" the client sent (they carry the CLI's copy semantics).
    /// </summary>
    public static string AbsolutePath(string path)
    {
        string cleaned = ContainerFileSystem.CleanAbsolute(path);
        if (GoBase(cleaned) != "." && GoBase(path) == ".")
        {
            if (!cleaned.EndsWith('/')) cleaned += "/";
            cleaned += ".";
        }
        if (!cleaned.EndsWith('/') && path.EndsWith('/')) cleaned += "/";
        return cleaned;
    }
}
