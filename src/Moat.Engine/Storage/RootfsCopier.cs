using Moat.Linux;

namespace Moat.Engine.Storage;

/// <summary>
/// Applies a layer kept in <see cref="WhiteoutFormat.Marker"/> form onto a directory: ".wh..wh..opq" empties the
/// directory below, ".wh.&lt;name&gt;" deletes the name, everything else is copied with owner, mode and times.
/// Never follows a symlink: existing names are removed before they are replaced.
/// </summary>
public static class RootfsCopier
{
    public static void Apply(string layer, string target) => ApplyDirectory(layer, target);

    private static void ApplyDirectory(string source, string target)
    {
        var names = Directory.EnumerateFileSystemEntries(source).Select(Path.GetFileName).Cast<string>().ToList();
        if (names.Contains(LayerExtractor.OpaqueMarker))
            foreach (var child in Directory.EnumerateFileSystemEntries(target)) Remove(child);
        foreach (var name in names)
        {
            if (!name.StartsWith(LayerExtractor.WhiteoutPrefix, StringComparison.Ordinal)) continue;
            if (name.StartsWith(LayerExtractor.WhiteoutPrefix + LayerExtractor.WhiteoutPrefix, StringComparison.Ordinal)) continue;
            Remove(Path.Combine(target, name[LayerExtractor.WhiteoutPrefix.Length..]));
        }
        foreach (var name in names)
        {
            if (name.StartsWith(LayerExtractor.WhiteoutPrefix, StringComparison.Ordinal)) continue;
            string from = Path.Combine(source, name), to = Path.Combine(target, name);
            var st = Files.LStat(from)!.Value;
            var existing = Files.LStat(to);
            if (st.IsDirectory)
            {
                if (existing is { IsDirectory: false }) Remove(to);
                if (existing is not { IsDirectory: true }) Directory.CreateDirectory(to);
                ApplyDirectory(from, to);
                CopyMetadata(st, from, to);
                continue;
            }
            if (existing is not null) Remove(to);
            if (st.IsRegular) File.Copy(from, to);
            else if (st.IsSymlink) File.CreateSymbolicLink(to, new FileInfo(from).LinkTarget!);
            else Files.MkNod(to, st.Mode, st.RdevMajor, st.RdevMinor);
            CopyMetadata(st, from, to);
        }
    }

    private static void CopyMetadata(FileStat st, string from, string path)
    {
        Files.LChown(path, st.Uid, st.Gid);
        // After chown (which clears security.capability), before chmod.
        foreach (var name in Files.LListXattr(from))
        {
            if (name.StartsWith("trusted.overlay.", StringComparison.Ordinal)) continue;
            if (Files.LGetXattr(from, name) is { } value) Files.LSetXattr(path, name, value);
        }
        if (!st.IsSymlink) File.SetUnixFileMode(path, (UnixFileMode)(st.Mode & 0xfff));
        Files.LUtimes(path, st.AccessTime, st.ModifyTime);
    }

    private static void Remove(string path)
    {
        var st = Files.LStat(path);
        if (st is null) return;
        if (st.Value.IsDirectory) Directory.Delete(path, recursive: true);
        else File.Delete(path);
    }
}
