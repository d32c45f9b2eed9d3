using Microsoft.Win32.SafeHandles;
using Moat.Linux;
using Moat.Linux.FileSystem;
using static Moat.Linux.FileSystem.AtCalls;

namespace Moat.Engine.Containers.Archive;

/// <summary>
/// A container's file system as the container sees it — the rootfs with the container's volumes and bind mounts
/// spliced in — walked by moatd without ever leaving it. The walk holds an O_PATH fd of every directory it passes
/// and opens one component at a time with openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
/// plus RESOLVE_NO_XDEV outside bind mounts). Symlinks are read with readlinkat and interpreted here, inside the
/// container's root: an absolute target restarts at the container's "/", ".." never climbs above it (and leaves a
/// mount to the directory the container sees above it, not the mount source's host parent). A container swapping
/// a directory for a symlink mid-walk can only redirect the walk to another place inside itself (the
/// CVE-2018-15664 class). Nothing from the container is ever executed.
/// </summary>
public sealed class ContainerFileSystem : IDisposable
{
    public const int MaxSymlinks = 40;
    private const ulong StepResolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;

    private readonly SafeFileHandle _root;
    private readonly Dictionary<string, ArchiveMount> _mounts = new(StringComparer.Ordinal);

    /// <param name="rootfs">The container's (mounted) root file system on the host; opened once, never re-resolved.</param>
    /// <param name="mounts">The container's mounts; destinations are cleaned absolute container paths.</param>
    public ContainerFileSystem(string rootfs, IEnumerable<ArchiveMount> mounts, bool readonlyRootfs = false)
    {
        _root = AtCalls.open(rootfs, O_PATH | O_DIRECTORY | O_NOFOLLOW);
        foreach (var m in mounts) _mounts[CleanAbsolute(m.Destination)] = m;
        ReadonlyRootfs = readonlyRootfs;
    }

    public bool ReadonlyRootfs { get; }

    /// <summary>The mount whose destination is exactly <paramref name="containerPath"/>, if any.</summary>
    public ArchiveMount? MountAt(string containerPath) => _mounts.GetValueOrDefault(containerPath);

    /// <summary>
    /// Resolves <paramref name="path"/> (absolute in the container; relative means from "/"). Every component but
    /// the last is followed if it is a symlink; the last only when <paramref name="followLast"/> or the path ends
    /// in "/" or "/.". A missing last component gives a result without <see cref="ResolvedPath.Entry"/>; anything
    /// else missing throws <see cref="ContainerPathMissingException"/>.
    /// </summary>
    public ResolvedPath Resolve(string path, bool followLast) => Walk(path, followLast, create: false, lenient: false);

    /// <summary>
    /// Resolves a directory to extract into, following every symlink (inside the container) and, with
    /// <paramref name="create"/>, making missing directories (0755) on the way; <paramref name="canCreate"/>
    /// is asked before each one (read-only checks).
    /// </summary>
    public ResolvedPath ResolveDirectory(string path, bool create, Action<PathNode>? canCreate = null)
    {
        var result = Walk(path, followLast: true, create, lenient: false, canCreate);
        if (result.Entry is null)
        {
            if (!create) { result.Dispose(); throw new ContainerPathMissingException(path); }
            try
            {
                canCreate?.Invoke(result.Directory);
                MakeDirectory(result.Directory.Fd, result.Name);
                result.Dispose();
                return ResolveDirectory(path, create: false, canCreate);
            }
            catch
            {
                result.Dispose();
                throw;
            }
        }
        if (!result.Entry.Stat.IsDirectory)
        {
            result.Dispose();
            throw new ContainerPathNotDirectoryException(path);
        }
        return result;
    }

    /// <summary>
    /// dockerd's FollowSymlinkInScope(path, "/"): the fully resolved path of <paramref name="path"/> inside the
    /// container, as far as it exists (a dangling link resolves lexically beyond its last existing directory).
    /// </summary>
    public string FollowInScope(string path)
    {
        using var result = Walk(path, followLast: true, create: false, lenient: true);
        return result.ContainerPath;
    }

    /// <summary>Opens the child <paramref name="name"/> of <paramref name="parent"/> without following it; null when absent.</summary>
    public PathNode? OpenChild(PathNode parent, string name)
    {
        string candidate = Join(parent.ContainerPath, name);
        if (_mounts.TryGetValue(candidate, out var mount)) return OpenMount(mount, candidate);
        SafeFileHandle fd;
        try
        {
            fd = openat2(parent.Fd, name, O_PATH | O_NOFOLLOW, 0, StepFlags(parent));
        }
        catch (LinuxFileException e) when (e.Errno is ENOENT or ENOTDIR)
        {
            return null;
        }
        try
        {
            return new PathNode(candidate, fd, AtCalls.fstat(fd), parent.Mount, parent.Fd, name, ownsFd: true, ownsParent: false);
        }
        catch
        {
            fd.Dispose();
            throw;
        }
    }

    private ResolvedPath Walk(string path, bool followLast, bool create, bool lenient, Action<PathNode>? canCreate = null)
    {
        if (path.Contains('\0')) throw new ArchivePathException("invalid path: contains a NUL byte");
        var stack = new List<PathNode> { RootNode() };
        var pending = new Stack<string>();
        PushComponents(pending, path);
        bool followFinal = followLast || EndsInDirectoryMarker(path);
        int links = 0;
        try
        {
            while (pending.Count > 0)
            {
                string c = pending.Pop();
                if (c is "" or ".") continue;
                if (c == "..")
                {
                    if (stack.Count > 1) { stack[^1].Dispose(); stack.RemoveAt(stack.Count - 1); }
                    continue;
                }
                bool isLast = pending.All(p => p is "" or ".");
                var top = stack[^1];
                var child = OpenChild(top, c);
                if (child is null)
                {
                    if (isLast) return new ResolvedPath(stack, Join(top.ContainerPath, c), c, entry: false);
                    if (lenient) return new ResolvedPath(stack, Lexical(Join(top.ContainerPath, c), pending), c, entry: false);
                    if (!create) throw new ContainerPathMissingException(path);
                    canCreate?.Invoke(top);
                    MakeDirectory(top.Fd, c);
                    child = OpenChild(top, c) ?? throw new ContainerPathMissingException(path);
                }
                if (child.Stat.IsSymlink && (!isLast || followFinal))
                {
                    string target;
                    try { target = readlinkat(child.Fd, ""); }
                    finally { child.Dispose(); }
                    if (++links > MaxSymlinks) throw new ArchivePathException($"too many levels of symbolic links: {path}");
                    if (target.StartsWith('/'))
                        while (stack.Count > 1) { stack[^1].Dispose(); stack.RemoveAt(stack.Count - 1); }
                    PushComponents(pending, target);
                    if (isLast) followFinal = true; // following a link follows its whole target
                    continue;
                }
                stack.Add(child);
                if (!isLast && !child.Stat.IsDirectory)
                {
                    if (lenient) return new ResolvedPath(stack, Lexical(child.ContainerPath, pending), c, entry: true);
                    throw new ContainerPathMissingException(path);
                }
            }
            var last = stack[^1];
            // "file/" or "file/." names a directory: like lstat, ENOTDIR.
            if (!lenient && EndsInDirectoryMarker(path) && !last.Stat.IsDirectory) throw new ContainerPathMissingException(path);
            return new ResolvedPath(stack, last.ContainerPath, last.Name, entry: true);
        }
        catch
        {
            foreach (var n in stack) n.Dispose();
            throw;
        }
    }

    private static void MakeDirectory(SafeFileHandle dir, string name)
    {
        try { mkdirat(dir, name, 0x1ed); }
        catch (LinuxFileException e) when (e.Errno == EEXIST) { }
    }

    private PathNode RootNode() =>
        new("/", _root, AtCalls.fstat(_root), mount: _mounts.GetValueOrDefault("/"), parent: null, name: "", ownsFd: false, ownsParent: false);

    private PathNode OpenMount(ArchiveMount mount, string containerPath)
    {
        if (mount.IsTmpfs)
            throw new ArchivePathException($"{containerPath} is a tmpfs mount: its content exists only inside the running container");
        string source = mount.Source.TrimEnd('/');
        string hostParent = Path.GetDirectoryName(source) ?? "/";
        string hostName = Path.GetFileName(source);
        var parent = AtCalls.open(hostParent, O_PATH | O_DIRECTORY);
        try
        {
            var fd = openat2(parent, hostName, O_PATH | O_NOFOLLOW, 0, RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS);
            try
            {
                return new PathNode(containerPath, fd, AtCalls.fstat(fd), mount, parent, hostName, ownsFd: true, ownsParent: true);
            }
            catch
            {
                fd.Dispose();
                throw;
            }
        }
        catch (LinuxFileException e)
        {
            parent.Dispose();
            throw new ArchivePathException($"the source of the mount at {containerPath} is not available: {e.Message}");
        }
        catch
        {
            parent.Dispose();
            throw;
        }
    }

    /// <summary>Bind mounts may hold submounts of their own (rbind); the rootfs and volumes never cross one.</summary>
    private static ulong StepFlags(PathNode parent) =>
        parent.Mount is { Type: "bind" } ? StepResolve : StepResolve | RESOLVE_NO_XDEV;

    private static void PushComponents(Stack<string> pending, string path)
    {
        var parts = path.Split('/');
        for (int i = parts.Length - 1; i >= 0; i--) pending.Push(parts[i]);
    }

    private static string Lexical(string start, Stack<string> rest)
    {
        var parts = start.Split('/', StringSplitOptions.RemoveEmptyEntries).ToList();
        foreach (var p in rest)
        {
            if (p is "" or ".") continue;
            if (p == "..") { if (parts.Count > 0) parts.RemoveAt(parts.Count - 1); continue; }
            parts.Add(p);
        }
        return "/" + string.Join('/', parts);
    }

    internal static bool EndsInDirectoryMarker(string path) => path.EndsWith('/') || path.EndsWith("/.", StringComparison.Ordinal) || path == ".";

    internal static string Join(string dir, string name) => dir == "/" ? "/" + name : dir + "/" + name;

    /// <summary>Go's filepath.Join("/", path): cleaned, absolute, no trailing slash.</summary>
    public static string CleanAbsolute(string path)
    {
        var parts = new List<string>();
        foreach (var p in path.Split('/'))
        {
            if (p is "" or ".") continue;
            if (p == "..") { if (parts.Count > 0) parts.RemoveAt(parts.Count - 1); continue; }
            parts.Add(p);
        }
        return "/" + string.Join('/', parts);
    }

    public void Dispose() => _root.Dispose();
}

/// <summary>The result of a walk: the entry (when it exists), its directory and the container path reached.</summary>
public sealed class ResolvedPath : IDisposable
{
    private readonly List<PathNode> _nodes;

    internal ResolvedPath(List<PathNode> nodes, string containerPath, string name, bool entry)
    {
        _nodes = nodes;
        ContainerPath = containerPath;
        Name = name;
        Entry = entry ? nodes[^1] : null;
        Directory = entry && nodes.Count > 1 ? nodes[^2] : nodes[^1];
    }

    /// <summary>The resolved container path (of the entry, or where the missing entry would be).</summary>
    public string ContainerPath { get; }

    /// <summary>The last component's name ("" for the root).</summary>
    public string Name { get; }

    public PathNode? Entry { get; }

    /// <summary>The directory holding the entry (the root holds itself).</summary>
    public PathNode Directory { get; }

    public void Dispose()
    {
        foreach (var n in _nodes) n.Dispose();
        _nodes.Clear();
    }
}

/// <summary>A path (other than its last component) does not exist in the container, or is not a directory.</summary>
public sealed class ContainerPathMissingException(string path) : IOException($"no such file or directory: {path}");

/// <summary>The extraction point exists but is not a directory.</summary>
public sealed class ContainerPathNotDirectoryException(string path) : IOException($"not a directory: {path}");
