using System.Text.Json;
using System.Threading.Channels;

namespace Moat.Security.Audit;

/// <summary>
/// The append-only, hash-chained audit log (docs/audit.md). One writer task chains entries in arrival order
/// and commits them in groups: one write per batch, and an fsync before any waiting entry is acknowledged (the
/// others, reads and events, are fsynced within <see cref="ReadSyncInterval"/>).
/// The file is created 0600; at <see cref="MaxFileBytes"/> it rotates to FILE.1 … FILE.N and the chain
/// continues in the new file.
/// </summary>
public sealed class AuditLog : IAsyncDisposable
{
    private const int MaxBatch = 1024;
    /// <summary>Entries waiting for the writer; when it falls this far behind, callers wait (bounded memory, nothing dropped).</summary>
    private const int MaxQueued = 16 * 1024;
    private const int MaxTailScan = 1024 * 1024;
    private static readonly TimeSpan CoalesceDelay = TimeSpan.FromMilliseconds(5);
    /// <summary>How long written entries that nobody waits for (reads, events) may stay out of an fsync.</summary>
    public static readonly TimeSpan ReadSyncInterval = TimeSpan.FromMilliseconds(100);

    private readonly Channel<Pending> _queue = Channel.CreateBounded<Pending>(new BoundedChannelOptions(MaxQueued)
    {
        SingleReader = true,
        FullMode = BoundedChannelFullMode.Wait,
    });
    private readonly System.Security.Cryptography.IncrementalHash _hasher =
        System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
    private readonly TimeProvider _time;
    private readonly Action<Exception>? _onError;
    private readonly Task _writer;
    private FileStream _file;
    private long _seq;
    private string _prev;

    private AuditLog(string path, long maxFileBytes, int keepFiles, TimeProvider time, Action<Exception>? onError, FileStream file, long seq, string prev)
    {
        Path = path;
        MaxFileBytes = maxFileBytes;
        KeepFiles = keepFiles;
        _time = time;
        _onError = onError;
        _file = file;
        _seq = seq;
        _prev = prev;
        // A thread of its own: the fsync blocks, and a blocked thread-pool worker would slow every request.
        _writer = Task.Factory.StartNew(WriteLoop, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
    }

    public string Path { get; }
    public long MaxFileBytes { get; }
    public int KeepFiles { get; }

    /// <summary>
    /// Opens (or creates) the log and recovers the chain from its last entry. A torn last line (a crash in the
    /// middle of a write that was never acknowledged) is cut off and the cut is itself recorded.
    /// </summary>
    public static AuditLog Open(string path, long maxFileBytes = 100 * 1024 * 1024, int keepFiles = 10, TimeProvider? time = null, Action<Exception>? onError = null)
    {
        string dir = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!;
        if (!Directory.Exists(dir))
            Directory.CreateDirectory(dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        var (seq, prev, tornBytes, validLength) = Recover(path);
        if (tornBytes > 0)
            using (var truncate = new FileStream(path, FileMode.Open, FileAccess.Write)) { truncate.SetLength(validLength); truncate.Flush(true); }
        var file = OpenAppend(path);
        var log = new AuditLog(path, maxFileBytes, keepFiles, time ?? TimeProvider.System, onError, file, seq, prev);
        if (tornBytes > 0)
            _ = log.AppendAsync(new AuditEntry { Kind = "daemon", Message = $"recovered: cut {tornBytes} bytes of an unfinished entry" });
        return log;
    }

    /// <summary>
    /// Chains and queues the entry; the task completes once it is written and fsynced. A batch holding a
    /// <paramref name="urgent"/> entry is committed at once; one holding only others waits a few milliseconds
    /// for company, so a stream of them costs one write and one fsync per few milliseconds, not per entry.
    /// </summary>
    public Task AppendAsync(AuditEntry entry, bool urgent = true) =>
        Enqueue(new Pending(entry, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously), urgent));

    /// <summary>
    /// Chains and queues the entry for the next group commit without waiting for it (reads: losing the last
    /// <see cref="ReadSyncInterval"/> of them in a power cut is accepted). The task completes at once unless the writer is
    /// <see cref="MaxQueued"/> entries behind, in which case it completes when there is room again.
    /// </summary>
    public Task Record(AuditEntry entry) => Enqueue(new Pending(entry, null, Urgent: false));

    private Task Enqueue(Pending pending)
    {
        var entry = pending.Entry;
        if (string.IsNullOrEmpty(entry.Time)) entry.Time = _time.GetUtcNow().UtcDateTime.ToString("O", System.Globalization.CultureInfo.InvariantCulture);
        if (_queue.Writer.TryWrite(pending)) return pending.Done?.Task ?? Task.CompletedTask;
        return EnqueueSlowAsync(pending);
    }

    private async Task EnqueueSlowAsync(Pending pending)
    {
        try
        {
            await _queue.Writer.WriteAsync(pending).ConfigureAwait(false);
        }
        catch (ChannelClosedException)
        {
            throw new ObjectDisposedException(nameof(AuditLog), "the audit log is closed");
        }
        if (pending.Done is not null) await pending.Done.Task.ConfigureAwait(false);
    }

    private void WriteLoop()
    {
        var batch = new List<Pending>(MaxBatch);
        var buffer = new MemoryStream(64 * 1024);
        var json = new System.Buffers.ArrayBufferWriter<byte>(1024);
        var reader = _queue.Reader;
        // Written but not yet fsynced: only entries nobody waits for (reads, events), for at most ReadSyncInterval.
        bool dirty = false;
        long lastSync = Environment.TickCount64;
        Task<bool>? waiting = null;
        while (true)
        {
            waiting ??= reader.WaitToReadAsync().AsTask();
            if (dirty)
            {
                int left = (int)Math.Max(0, lastSync + (long)ReadSyncInterval.TotalMilliseconds - Environment.TickCount64);
                if (!waiting.Wait(left))
                {
                    Sync(ref dirty, ref lastSync);
                    continue;
                }
            }
            bool more = waiting.GetAwaiter().GetResult();
            waiting = null;
            if (!more) break;
            batch.Clear();
            buffer.SetLength(0);
            while (batch.Count < MaxBatch && reader.TryRead(out var p)) batch.Add(p);
            bool urgent = batch.Exists(p => p.Urgent);
            if (!urgent && batch.Count < MaxBatch)
            {
                Thread.Sleep(CoalesceDelay);
                while (batch.Count < MaxBatch && reader.TryRead(out var p)) batch.Add(p);
                urgent = batch.Exists(p => p.Urgent);
            }
            long seq = _seq;
            string prev = _prev;
            try
            {
                long fileLength = _file.Length;
                foreach (var p in batch)
                {
                    p.Entry.Seq = ++seq;
                    p.Entry.Prev = prev;
                    json.ResetWrittenCount();
                    AuditLineWriter.Write(json, p.Entry);
                    long before = buffer.Length;
                    prev = AuditChain.Seal(json.WrittenSpan, buffer, _hasher);
                    long lineLength = buffer.Length - before;
                    if (fileLength + buffer.Length > MaxFileBytes && fileLength + before > 0)
                    {
                        // The file is full: what came before this entry goes to the old file, this entry starts the next.
                        _file.Write(buffer.GetBuffer(), 0, (int)before);
                        var line = buffer.GetBuffer().AsSpan((int)before, (int)lineLength).ToArray();
                        Rotate();
                        buffer.SetLength(0);
                        buffer.Write(line);
                        fileLength = 0;
                    }
                }
                _file.Write(buffer.GetBuffer(), 0, (int)buffer.Length);
                _seq = seq;
                _prev = prev;
                dirty = true;
                // An entry somebody waits for is on disk before they go on; the others at most ReadSyncInterval later.
                if (urgent || batch.Exists(p => p.Done is not null) || Environment.TickCount64 - lastSync >= (long)ReadSyncInterval.TotalMilliseconds) Sync(ref dirty, ref lastSync);
                foreach (var p in batch) p.Done?.TrySetResult();
            }
            catch (Exception e)
            {
                _onError?.Invoke(e);
                foreach (var p in batch) p.Done?.TrySetException(e);
            }
        }
        if (dirty)
        {
            try { Sync(ref dirty, ref lastSync); }
            catch (Exception e) { _onError?.Invoke(e); }
        }
    }

    private void Sync(ref bool dirty, ref long lastSync)
    {
        _file.Flush(flushToDisk: true);
        dirty = false;
        lastSync = Environment.TickCount64;
    }

    /// <summary>FILE.(N-1) → FILE.N … FILE → FILE.1, then a fresh FILE; the next entry's prev links across.</summary>
    private void Rotate()
    {
        _file.Flush(true);
        _file.Dispose();
        string Numbered(int n) => $"{Path}.{n}";
        if (File.Exists(Numbered(KeepFiles))) File.Delete(Numbered(KeepFiles));
        for (int n = KeepFiles - 1; n >= 1; n--)
            if (File.Exists(Numbered(n))) File.Move(Numbered(n), Numbered(n + 1));
        File.Move(Path, Numbered(1));
        _file = OpenAppend(Path);
    }

    private static FileStream OpenAppend(string path)
    {
        var file = new FileStream(path, new FileStreamOptions
        {
            Mode = FileMode.Append,
            Access = FileAccess.Write,
            Share = FileShare.Read,
            UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
            BufferSize = 0,
        });
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return file;
    }

    /// <summary>Reads the tail of an existing log: the last seq, the last hash, and how many bytes of a torn line follow it.</summary>
    private static (long Seq, string Prev, long TornBytes, long ValidLength) Recover(string path)
    {
        if (!File.Exists(path)) return RecoverFromRotated(path);
        using var f = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        long length = f.Length;
        if (length == 0) { var r = RecoverFromRotated(path); return (r.Seq, r.Prev, 0, 0); }
        int scan = (int)Math.Min(length, MaxTailScan);
        var tail = new byte[scan];
        f.Seek(length - scan, SeekOrigin.Begin);
        f.ReadExactly(tail);
        int end = tail.Length;
        long torn = 0;
        if (tail[^1] != (byte)'\n')
        {
            int lastNewline = Array.LastIndexOf(tail, (byte)'\n');
            torn = end - (lastNewline + 1);
            end = lastNewline + 1;
        }
        long validLength = length - torn;
        if (end == 0) return (0, AuditChain.Genesis, torn, validLength);
        int start = Array.LastIndexOf(tail, (byte)'\n', end - 2) + 1;
        var line = tail.AsSpan(start, end - 1 - start);
        return TryReadLink(line, out long seq, out string hash) ? (seq, hash, torn, validLength) : (0, AuditChain.Hash(line), torn, validLength);
    }

    /// <summary>After a rotation with no entry written yet, the chain continues from FILE.1.</summary>
    private static (long Seq, string Prev, long TornBytes, long ValidLength) RecoverFromRotated(string path)
    {
        string previous = path + ".1";
        if (!File.Exists(previous)) return (0, AuditChain.Genesis, 0, 0);
        var (seq, prev, _, _) = Recover(previous);
        return (seq, prev, 0, 0);
    }

    internal static bool TryReadLink(ReadOnlySpan<byte> line, out long seq, out string hash)
    {
        seq = 0;
        hash = "";
        if (!AuditChain.TrySplit(line, out var body, out hash)) return false;
        try
        {
            var reader = new Utf8JsonReader(body, new JsonReaderOptions { AllowTrailingCommas = false });
            // The body is an object missing its closing brace: read properties until "seq".
            while (reader.Read())
            {
                if (reader.TokenType == JsonTokenType.PropertyName && reader.ValueTextEquals("seq") && reader.CurrentDepth == 1)
                {
                    reader.Read();
                    seq = reader.GetInt64();
                    return true;
                }
            }
        }
        catch (JsonException) { }
        return false;
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _writer.ConfigureAwait(false);
        _file.Dispose();
        _hasher.Dispose();
    }

    private readonly record struct Pending(AuditEntry Entry, TaskCompletionSource? Done, bool Urgent);
}
