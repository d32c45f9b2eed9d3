using Moat.Linux;

namespace Moat.Engine.Storage;

/// <summary>
/// Unpacks one layer tar into an empty directory: the security boundary between an image and the host.
/// Entry names are never trusted: each is cleaned lexically (a leading "/" is dropped, as dockerd does;
/// ".." that would climb above the layer is refused), every parent directory is checked with lstat
/// (an entry below a symlink is refused, whatever the symlink points to), an existing name is removed
/// before it is created (so nothing is ever written through a symlink), hard links must name a file
/// inside the layer, and nothing may replace the layer root. The caller owns the directory and removes
/// it when this throws, so a refused tar leaves nothing behind.
/// </summary>
public sealed class LayerExtractor
{
    public const string WhiteoutPrefix = ".wh.";
    public const string OpaqueMarker = ".wh..wh..opq";
    public const string OpaqueXattr = "trusted.overlay.opaque";
    public const int DefaultMaxEntries = 2_000_000;

    private readonly string _root;
    private readonly WhiteoutFormat _whiteouts;
    private readonly int _maxEntries;
    private readonly HashSet<string> _knownDirectories = new(StringComparer.Ordinal);
    private readonly List<(string Path, TarHeader Header)> _directoryTimes = [];

    public LayerExtractor(string root, WhiteoutFormat whiteouts, int maxEntries = DefaultMaxEntries)
    {
        _root = Path.TrimEndingDirectorySeparator(Path.GetFullPath(root));
        _whiteouts = whiteouts;
        _maxEntries = maxEntries;
    }

    /// <summary>Bytes of regular-file content written (the layer's Size as dockerd reports it).</summary>
    public long ContentSize { get; private set; }

    public async Task ExtractAsync(TarStreamReader reader, CancellationToken cancellationToken)
    {
        var buffer = new byte[128 * 1024];
        int count = 0;
        TarHeader? rootHeader = null;
        while (await reader.NextAsync(cancellationToken) is { } header)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (++count > _maxEntries) throw new InvalidLayerException($"layer has more than {_maxEntries} entries");

            var parts = Clean(header.Name, header.Name);
            if (parts.Count == 0)
            {
                if (header.Kind != TarEntryKind.Directory)
                    throw new InvalidLayerException($"refusing tar entry \"{header.Name}\": it would replace the layer root");
                rootHeader = header;
                continue;
            }

            string baseName = parts[^1];
            if (baseName.StartsWith(WhiteoutPrefix, StringComparison.Ordinal))
            {
                ApplyWhiteout(header, parts);
                continue;
            }

            string parent = EnsureParents(parts, header.Name);
            string path = parent + "/" + baseName;
            RemoveExisting(path, header.Kind == TarEntryKind.Directory);

            switch (header.Kind)
            {
                case TarEntryKind.Directory:
                    if (Files.LStatMode(path) is null) Directory.CreateDirectory(path);
                    _knownDirectories.Add(path);
                    _directoryTimes.Add((path, header));
                    break;
                case TarEntryKind.File:
                    await WriteFileAsync(reader, path, buffer, cancellationToken);
                    break;
                case TarEntryKind.Symlink:
                    // The target is stored verbatim: it is resolved inside the container's root, never by us.
                    File.CreateSymbolicLink(path, header.LinkName);
                    break;
                case TarEntryKind.HardLink:
                    Files.Link(ResolveHardLinkTarget(header), path);
                    continue; // shares the target's inode and metadata
                case TarEntryKind.CharDevice:
                    Files.MkNod(path, Files.S_IFCHR | (uint)(header.Mode & 0x1ff), header.DevMajor, header.DevMinor);
                    break;
                case TarEntryKind.BlockDevice:
                    Files.MkNod(path, Files.S_IFBLK | (uint)(header.Mode & 0x1ff), header.DevMajor, header.DevMinor);
                    break;
                case TarEntryKind.Fifo:
                    Files.MkNod(path, Files.S_IFIFO | (uint)(header.Mode & 0x1ff), 0, 0);
                    break;
            }
            ApplyMetadata(path, header, setTimes: header.Kind != TarEntryKind.Directory);
        }

        if (rootHeader is not null)
        {
            ApplyMetadata(_root, rootHeader, setTimes: false);
            _directoryTimes.Add((_root, rootHeader));
        }
        // Directory times last: creating children changed them.
        for (int i = _directoryTimes.Count - 1; i >= 0; i--)
        {
            var (path, header) = _directoryTimes[i];
            Files.LUtimes(path, header.AccessTime ?? header.ModTime, header.ModTime);
        }
    }

    /// <summary>
    /// Splits a tar name into clean components: "/" and "." parts dropped, ".." resolved lexically and
    /// refused when it would leave the layer. Component names longer than 255 bytes are refused.
    /// </summary>
    public static List<string> Clean(string name, string entryForErrors)
    {
        var parts = new List<string>();
        foreach (var part in name.Split('/'))
        {
            if (part.Length == 0 || part == ".") continue;
            if (part == "..")
            {
                if (parts.Count == 0) throw new InvalidLayerException($"refusing tar entry \"{entryForErrors}\": path escapes the layer");
                parts.RemoveAt(parts.Count - 1);
                continue;
            }
            if (System.Text.Encoding.UTF8.GetByteCount(part) > 255) throw new InvalidLayerException($"refusing tar entry \"{entryForErrors}\": name too long");
            parts.Add(part);
        }
        return parts;
    }

    private void ApplyWhiteout(TarHeader header, List<string> parts)
    {
        string baseName = parts[^1];
        string parent = EnsureParents(parts, header.Name);
        if (baseName == OpaqueMarker)
        {
            if (_whiteouts == WhiteoutFormat.Overlay) Files.LSetXattr(parent, OpaqueXattr, "y"u8);
            else CreateMarker(parent + "/" + baseName);
            return;
        }
        if (baseName.StartsWith(WhiteoutPrefix + WhiteoutPrefix, StringComparison.Ordinal)) return; // AUFS metadata (.wh..wh.plnk…): not content
        string target = baseName[WhiteoutPrefix.Length..];
        if (target is "" or "." or "..") throw new InvalidLayerException($"refusing tar entry \"{header.Name}\": whiteout without a name");
        if (_whiteouts == WhiteoutFormat.Overlay)
        {
            string path = parent + "/" + target;
            RemoveExisting(path, keepDirectory: false);
            Files.MkNod(path, Files.S_IFCHR, 0, 0);
        }
        else
        {
            string path = parent + "/" + baseName;
            RemoveExisting(path, keepDirectory: false);
            CreateMarker(path);
        }
    }

    private static void CreateMarker(string path)
    {
        if (Files.LStatMode(path) is not null) return;
        using var _ = new FileStream(path, new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite });
    }

    /// <summary>Makes sure every parent of the entry is a real directory inside the layer; returns the parent's path.</summary>
    private string EnsureParents(List<string> parts, string entry)
    {
        string path = _root;
        for (int i = 0; i < parts.Count - 1; i++)
        {
            path = path + "/" + parts[i];
            if (_knownDirectories.Contains(path)) continue;
            uint? mode = Files.LStatMode(path);
            if (mode is null)
            {
                Directory.CreateDirectory(path);
                File.SetUnixFileMode(path, (UnixFileMode)0x1ed); // 0755, as dockerd creates missing parents
            }
            else if ((mode.Value & Files.S_IFMT) == Files.S_IFLNK)
            {
                throw new InvalidLayerException($"refusing tar entry \"{entry}\": it would write through the symlink \"{string.Join('/', parts.Take(i + 1))}\"");
            }
            else if ((mode.Value & Files.S_IFMT) != Files.S_IFDIR)
            {
                throw new InvalidLayerException($"refusing tar entry \"{entry}\": \"{string.Join('/', parts.Take(i + 1))}\" is not a directory");
            }
            _knownDirectories.Add(path);
        }
        return path;
    }

    /// <summary>Removes whatever is at <paramref name="path"/> unless both it and the new entry are directories.</summary>
    private void RemoveExisting(string path, bool keepDirectory)
    {
        uint? mode = Files.LStatMode(path);
        if (mode is null) return;
        bool isDirectory = (mode.Value & Files.S_IFMT) == Files.S_IFDIR;
        if (isDirectory && keepDirectory) return;
        if (isDirectory)
        {
            Directory.Delete(path, recursive: true); // does not follow symlinks inside
            string prefix = path + "/";
            _knownDirectories.RemoveWhere(d => d == path || d.StartsWith(prefix, StringComparison.Ordinal));
        }
        else
        {
            File.Delete(path);
        }
    }

    private string ResolveHardLinkTarget(TarHeader header)
    {
        var parts = Clean(header.LinkName, header.Name);
        if (parts.Count == 0) throw new InvalidLayerException($"refusing tar entry \"{header.Name}\": hard link to the layer root");
        string path = _root;
        for (int i = 0; i < parts.Count; i++)
        {
            path = path + "/" + parts[i];
            uint? mode = Files.LStatMode(path) ?? throw new InvalidLayerException($"refusing tar entry \"{header.Name}\": hard link target \"{header.LinkName}\" is not in the layer");
            uint type = mode.Value & Files.S_IFMT;
            if (i < parts.Count - 1 && type != Files.S_IFDIR)
                throw new InvalidLayerException($"refusing tar entry \"{header.Name}\": hard link target \"{header.LinkName}\" goes through a symlink or file");
            if (i == parts.Count - 1 && type == Files.S_IFDIR)
                throw new InvalidLayerException($"refusing tar entry \"{header.Name}\": hard link to a directory");
        }
        return path;
    }

    private async Task WriteFileAsync(TarStreamReader reader, string path, byte[] buffer, CancellationToken cancellationToken)
    {
        var options = new FileStreamOptions
        {
            Mode = FileMode.CreateNew, // O_EXCL: never opens an existing file or follows a symlink
            Access = FileAccess.Write,
            Share = FileShare.None,
            BufferSize = 0,
            UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
        };
        await using var file = new FileStream(path, options);
        int n;
        while ((n = await reader.ReadAsync(buffer, cancellationToken)) > 0)
        {
            await file.WriteAsync(buffer.AsMemory(0, n), cancellationToken);
            ContentSize += n;
        }
    }

    private static void ApplyMetadata(string path, TarHeader header, bool setTimes)
    {
        Files.LChown(path, header.Uid, header.Gid);
        foreach (var (name, value) in header.Xattrs)
        {
            // trusted.* belongs to overlayfs (opaque, redirect, metacopy): a layer must not forge it.
            if (name.StartsWith("trusted.", StringComparison.Ordinal)) continue;
            try
            {
                Files.LSetXattr(path, name, value);
            }
            catch (LinuxFileException e) when (e.Errno is Files.EOPNOTSUPP or Files.EPERM && header.Kind == TarEntryKind.Symlink)
            {
                // user.* xattrs are not allowed on symlinks; dockerd ignores that too.
            }
        }
        if (header.Kind != TarEntryKind.Symlink)
            File.SetUnixFileMode(path, (UnixFileMode)(header.Mode & 0xfff)); // after chown, which clears setuid
        if (setTimes)
            Files.LUtimes(path, header.AccessTime ?? header.ModTime, header.ModTime);
    }
}
