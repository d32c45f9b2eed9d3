using System.Formats.Tar;
using Microsoft.Win32.SafeHandles;
using Moat.Linux;
using Moat.Linux.FileSystem;
using static Moat.Linux.FileSystem.AtCalls;

namespace Moat.Engine.Containers.Archive;

/// <summary>
/// Writes GET /containers/{id}/archive's tar: the resource at a resolved path, its top entry named as dockerd's
/// TarResourceRebaseOpts names it (the base of the requested path: "etc", "." for "/etc/.", "" for "/"). The tree
/// is walked through <see cref="ContainerFileSystem"/> (mount-aware, one component at a time, never following a
/// symlink); file content is read from an fd opened relative to its pinned parent with O_NOFOLLOW, and the header
/// is taken from that fd, so a file swapped mid-copy is either read as it now is or skipped, never followed out.
/// </summary>
public sealed class ArchiveWriter
{
    public const int MaxDepth = 1024;
    private const int MaxEntriesPerDirectory = 1_000_000;

    private readonly ContainerFileSystem _fs;
    private readonly Dictionary<(uint, uint, ulong), string> _hardLinks = [];

    public ArchiveWriter(ContainerFileSystem fs)
    {
        _fs = fs;
    }

    /// <summary>Writes <paramref name="top"/> (and, for a directory, everything below it) as <paramref name="topName"/>.</summary>
    public async Task WriteAsync(PathNode top, string topName, Stream output, CancellationToken cancellationToken)
    {
        await using var tar = new TarWriter(output, TarEntryFormat.Pax, leaveOpen: true);
        if (!top.Stat.IsDirectory)
        {
            await WriteEntryAsync(tar, top, topName, cancellationToken);
            return;
        }
        string prefix = topName + "/";
        await WriteEntryAsync(tar, top, prefix, cancellationToken);
        await WriteTreeAsync(tar, top, prefix, cancellationToken);
    }

    private sealed class Frame(PathNode node, string prefix, List<string> names, bool owned) : IDisposable
    {
        public PathNode Node { get; } = node;
        public string Prefix { get; } = prefix;
        public List<string> Names { get; } = names;
        public int Next { get; set; }
        public void Dispose() { if (owned) Node.Dispose(); }
    }

    private async Task WriteTreeAsync(TarWriter tar, PathNode top, string prefix, CancellationToken cancellationToken)
    {
        var frames = new Stack<Frame>();
        frames.Push(new Frame(top, prefix, ListNames(top), owned: false));
        try
        {
            while (frames.Count > 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var frame = frames.Peek();
                if (frame.Next >= frame.Names.Count)
                {
                    frames.Pop().Dispose();
                    continue;
                }
                string name = frame.Names[frame.Next++];
                string containerPath = ContainerFileSystem.Join(frame.Node.ContainerPath, name);
                if (_fs.MountAt(containerPath) is { IsTmpfs: true }) continue; // not reachable from the host
                var child = _fs.OpenChild(frame.Node, name);
                if (child is null) continue; // removed meanwhile
                string entryName = frame.Prefix + name;
                if (!child.Stat.IsDirectory)
                {
                    using (child) await WriteEntryAsync(tar, child, entryName, cancellationToken);
                    continue;
                }
                if (frames.Count >= MaxDepth)
                {
                    child.Dispose();
                    throw new ArchivePathException($"directory tree is deeper than {MaxDepth} levels: {containerPath}");
                }
                try
                {
                    await WriteEntryAsync(tar, child, entryName + "/", cancellationToken);
                    frames.Push(new Frame(child, entryName + "/", ListNames(child), owned: true));
                }
                catch
                {
                    child.Dispose();
                    throw;
                }
            }
        }
        finally
        {
            while (frames.Count > 0) frames.Pop().Dispose();
        }
    }

    private static List<string> ListNames(PathNode directory)
    {
        SafeFileHandle dir;
        try
        {
            dir = openat(directory.Fd, ".", O_RDONLY | O_DIRECTORY);
        }
        catch (LinuxFileException e) when (e.Errno == ENOENT)
        {
            return []; // removed meanwhile (lookups in a deleted directory fail)
        }
        using var _ = dir;
        var names = getdents64(dir, MaxEntriesPerDirectory);
        names.Sort(StringComparer.Ordinal); // Go's filepath.Walk order
        return names;
    }

    private async Task WriteEntryAsync(TarWriter tar, PathNode node, string name, CancellationToken cancellationToken)
    {
        var stat = node.Stat;
        switch (stat.Type)
        {
            case 0x4000:
                await tar.WriteEntryAsync(Entry(TarEntryType.Directory, name, stat), cancellationToken);
                return;
            case 0xA000:
            {
                var entry = Entry(TarEntryType.SymbolicLink, name, stat);
                entry.LinkName = readlinkat(node.Fd, "");
                await tar.WriteEntryAsync(entry, cancellationToken);
                return;
            }
            case 0x8000:
                await WriteFileAsync(tar, node, name, cancellationToken);
                return;
            case 0x2000 or 0x6000:
            {
                var entry = Entry(stat.Type == 0x2000 ? TarEntryType.CharacterDevice : TarEntryType.BlockDevice, name, stat);
                entry.DeviceMajor = (int)stat.RdevMajor;
                entry.DeviceMinor = (int)stat.RdevMinor;
                await tar.WriteEntryAsync(entry, cancellationToken);
                return;
            }
            case 0x1000:
                await tar.WriteEntryAsync(Entry(TarEntryType.Fifo, name, stat), cancellationToken);
                return;
            default:
                return; // sockets: Go's archive/tar cannot represent them, dockerd skips them too
        }
    }

    private async Task WriteFileAsync(TarWriter tar, PathNode node, string name, CancellationToken cancellationToken)
    {
        if (node.Parent is null) return;
        SafeFileHandle fd;
        try
        {
            fd = openat(node.Parent, node.Name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY);
        }
        catch (LinuxFileException e) when (e.Errno is ENOENT or ELOOP)
        {
            return; // removed or replaced by a symlink meanwhile
        }
        using (fd)
        {
            var stat = AtCalls.fstat(fd);
            if (!stat.IsRegular) return;
            var key = (stat.DevMajor, stat.DevMinor, stat.Inode);
            if (stat.Links > 1)
            {
                if (_hardLinks.TryGetValue(key, out var first))
                {
                    var link = Entry(TarEntryType.HardLink, name, stat);
                    link.LinkName = first;
                    await tar.WriteEntryAsync(link, cancellationToken);
                    return;
                }
                _hardLinks[key] = name;
            }
            var entry = Entry(TarEntryType.RegularFile, name, stat);
            entry.DataStream = new FixedLengthFileStream(fd, stat.Size);
            await tar.WriteEntryAsync(entry, cancellationToken);
        }
    }

    private static PaxTarEntry Entry(TarEntryType type, string name, EntryStat stat) =>
        new(type, name)
        {
            Mode = (UnixFileMode)(stat.Mode & 0xfff),
            Uid = stat.Uid,
            Gid = stat.Gid,
            // go-archive's FileInfoHeader truncates to whole seconds (reproducible tars); dockerd's tars match.
            ModificationTime = stat.ModifyTime.AddTicks(-(stat.ModifyTime.UtcTicks % TimeSpan.TicksPerSecond)),
        };

    /// <summary>
    /// Exactly <c>length</c> bytes of a file: a file that grows mid-copy is cut, one that shrinks is padded with
    /// zeros, so the tar stays well-formed whatever the container does meanwhile.
    /// </summary>
    private sealed class FixedLengthFileStream(SafeFileHandle handle, long length) : Stream
    {
        private long _position;

        public override bool CanRead => true;
        public override bool CanSeek => true;
        public override bool CanWrite => false;
        public override long Length => length;
        public override long Position { get => _position; set => _position = value; }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            long left = length - _position;
            if (left <= 0 || buffer.Length == 0) return 0;
            if (buffer.Length > left) buffer = buffer[..(int)left];
            int n = RandomAccess.Read(handle, buffer, _position);
            if (n == 0)
            {
                buffer.Clear();
                n = buffer.Length;
            }
            _position += n;
            return n;
        }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult(Read(buffer.Span));

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            Task.FromResult(Read(buffer.AsSpan(offset, count)));

        public override long Seek(long offset, SeekOrigin origin)
        {
            _position = origin switch
            {
                SeekOrigin.Begin => offset,
                SeekOrigin.Current => _position + offset,
                _ => length + offset,
            };
            return _position;
        }

        public override void Flush() { }
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
