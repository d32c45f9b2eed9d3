namespace Moat.Engine.Storage;

/// <summary>Kinds of tar entries a layer may hold.</summary>
public enum TarEntryKind
{
    File,
    HardLink,
    Symlink,
    CharDevice,
    BlockDevice,
    Directory,
    Fifo,
}

/// <summary>One tar entry's header after GNU long names and PAX records are applied.</summary>
public sealed class TarHeader
{
    public required string Name { get; init; }
    public required TarEntryKind Kind { get; init; }
    public string LinkName { get; init; } = "";
    public int Mode { get; init; }
    public int Uid { get; init; }
    public int Gid { get; init; }
    public long Size { get; init; }
    public DateTimeOffset ModTime { get; init; }
    public DateTimeOffset? AccessTime { get; init; }
    public uint DevMajor { get; init; }
    public uint DevMinor { get; init; }
    /// <summary>PAX SCHILY.xattr.* records, values as raw bytes (security.capability is binary).</summary>
    public IReadOnlyDictionary<string, byte[]> Xattrs { get; init; } = new Dictionary<string, byte[]>();
}
