using System.Buffers.Binary;
using Moat.Linux;

namespace Moat.Engine.Runtime;

/// <summary>
/// Wakes waiters when a file appears in a container's state dir (the monitor renames "exit" into place), so a wait
/// returns as soon as the container ends instead of at the next poll. One inotify instance and one thread for all
/// containers; a watch lives only while someone waits on its dir. Without inotify, <see cref="Next"/> degrades to a
/// short timer and callers poll.
/// </summary>
internal sealed class StateDirWatcher
{
    private const uint Mask = Inotify.IN_MOVED_TO | Inotify.IN_CREATE | Inotify.IN_CLOSE_WRITE | Inotify.IN_DELETE_SELF | Inotify.IN_ONLYDIR;
    private static readonly TimeSpan Fallback = TimeSpan.FromMilliseconds(50);

    private readonly object _gate = new();
    private readonly Dictionary<int, Watch> _byWd = [];
    private readonly Dictionary<string, Watch> _byDir = new(StringComparer.Ordinal);
    private int _fd = -2; // -2: not started yet; -1: inotify unavailable

    private sealed class Watch(int wd, string dir)
    {
        public int Wd { get; } = wd;
        public string Dir { get; } = dir;
        public TaskCompletionSource Changed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    /// <summary>
    /// A task that completes at the next change in <paramref name="dir"/> (or when it is deleted). Call it before
    /// checking the condition, then await it: a change between the two is not missed.
    /// </summary>
    public Task Next(string dir)
    {
        lock (_gate)
        {
            if (_byDir.TryGetValue(dir, out var existing)) return existing.Changed.Task;
            if (!Started()) return Task.Delay(Fallback);
            int wd;
            try { wd = Inotify.inotify_add_watch(_fd, dir, Mask); }
            catch (LinuxException) { return Task.Delay(Fallback); } // the dir is gone, or no more watches: poll
            if (_byWd.TryGetValue(wd, out var same)) return same.Changed.Task; // the same dir by another name
            var watch = new Watch(wd, dir);
            _byWd[wd] = watch;
            _byDir[dir] = watch;
            return watch.Changed.Task;
        }
    }

    private bool Started()
    {
        if (_fd != -2) return _fd >= 0;
        try { _fd = Inotify.inotify_init1(Inotify.IN_CLOEXEC); }
        catch (LinuxException) { _fd = -1; return false; }
        var thread = new Thread(ReadLoop) { IsBackground = true, Name = "moat state-dir watcher" };
        thread.Start();
        return true;
    }

    private void ReadLoop()
    {
        // On the pinned heap: the blocking read pins it for the daemon's lifetime, and a pinned array in gen0 would keep
        // its whole region (up to 4 MiB, touched by every allocation before it) from being compacted or reused.
        var buffer = GC.AllocateUninitializedArray<byte>(16 * 1024, pinned: true);
        while (true)
        {
            int n;
            try { n = Inotify.read(_fd, buffer); }
            catch (LinuxException) { return; }
            for (int off = 0; off + Inotify.EventHeaderSize <= n;)
            {
                int wd = BinaryPrimitives.ReadInt32LittleEndian(buffer.AsSpan(off));
                int len = (int)BinaryPrimitives.ReadUInt32LittleEndian(buffer.AsSpan(off + 12));
                off += Inotify.EventHeaderSize + len;
                Watch? watch;
                lock (_gate)
                {
                    if (!_byWd.Remove(wd, out watch)) continue;
                    _byDir.Remove(watch.Dir);
                    // One shot: the next waiter adds a fresh watch (IN_IGNORED for this one is then ignored above).
                    Inotify.inotify_rm_watch(_fd, wd);
                }
                watch.Changed.TrySetResult();
            }
        }
    }
}
