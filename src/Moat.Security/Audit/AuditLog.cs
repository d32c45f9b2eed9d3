using System.Buffers;
using System.Text.Json;

namespace Moat.Security.Audit;

/// <summary>
/// The append-only, hash-chained audit log (docs/audit.md). Callers hand entries to one writer thread, which
/// chains them in arrival order and commits them in groups: one write per batch, and an fsync before any waiting
/// entry is acknowledged (the others, reads and events, are fsynced within <see cref="ReadSyncInterval"/>).
/// The file is created 0600; at <see cref="MaxFileBytes"/> it rotates to FILE.1 … FILE.N and the chain
/// continues in the new file.
/// </summary>
/// <remarks>
/// Every API request makes an entry, so the request side is kept to a struct copy under a lock: a request's
/// fields arrive as an <see cref="AuditRequest"/> (references to the request's strings, its id copied
/// in) and the writer formats, hashes and writes them. The writer is woken only when it sleeps with nothing to do or
/// an entry somebody waits for arrives; a stream of reads costs one wake-up and one write every
/// <see cref="CoalesceDelay"/> and one hash per entry.
/// </remarks>
public sealed class AuditLog : IAsyncDisposable
{
    /// <summary>Entries waiting for the writer; when it falls this far behind, callers wait (bounded memory, nothing dropped).</summary>
    private const int MaxQueued = 16 * 1024;
    /// <summary>The batch buffer is written out whenever it holds this much, so it stays small whatever the backlog.</summary>
    private const int WriteChunk = 1024 * 1024;
    private const int MaxTailScan = 1024 * 1024;
    /// <summary>
    /// How long a batch of only entries nobody waits for waits for company. Longer batches are cheaper per entry:
    /// at 25 ms rather than 5 the writer thread's CPU per entry fell by 45 % (ext4's per-write work is most of it),
    /// and at 100 ms rather than 25 the daemon answered 1–3 % more requests (docs/audit.md, Cost): fewer wake-ups.
    /// What is queued keeps no young object alive meanwhile (<see cref="AuditRequestId"/>).
    /// </summary>
    private static readonly TimeSpan CoalesceDelay = TimeSpan.FromMilliseconds(100);
    /// <summary>How long written entries that nobody waits for (reads, events) may stay out of an fsync.</summary>
    public static readonly TimeSpan ReadSyncInterval = TimeSpan.FromSeconds(1);

    private readonly TimeProvider _time;
    private readonly Action<Exception>? _onError;
    private readonly Task _writer;
    private FileStream _file;
    /// <summary>The bytes of whole lines in the current file: where the next line goes, and where a torn write is cut.</summary>
    private long _fileLength;
    /// <summary>The length past which the next entry rotates: <see cref="MaxFileBytes"/>, or further on after a rotation failed.</summary>
    private long _rotateAt;
    private long _seq;
    /// <summary>The last entry's hash, hex (ASCII).</summary>
    private readonly byte[] _prev = new byte[64];

    // The queue: producers append under _gate; the writer swaps _incoming for its emptied _spare.
    private readonly object _gate = new();
    private List<Pending> _incoming = new(256);
    private List<Pending> _spare = new(256);
    /// <summary>
    /// What wakes the writer sleeping in Monitor.Wait on _gate; reset by whoever pulses it. (A monitor, not a
    /// SemaphoreSlim: that spins with sched_yield before it blocks, and on a loaded machine the spinning cost more
    /// than all the formatting.)
    /// </summary>
    private WakeOn _wakeOn;
    private bool _urgentQueued;
    private bool _closed;
    /// <summary>Completed when the writer takes the queue; producers that found it full wait on it.</summary>
    private TaskCompletionSource? _room;
    // The writer thread's own: written but not yet fsynced (only entries nobody waits for, for at most
    // ReadSyncInterval), and when the last fsync was.
    private bool _dirty;
    private readonly AuditFragments _fragments = new();
    private long _lastSync = Environment.TickCount64;

    private AuditLog(string path, long maxFileBytes, int keepFiles, TimeProvider time, Action<Exception>? onError, FileStream file, long seq, string prev)
    {
        Path = path;
        MaxFileBytes = maxFileBytes;
        KeepFiles = keepFiles;
        _time = time;
        _onError = onError;
        _file = file;
        _fileLength = file.Length;
        _rotateAt = maxFileBytes;
        _seq = seq;
        System.Text.Encoding.ASCII.GetBytes(prev, _prev);
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
        if (tornBytes > 0) CutTo(path, validLength);
        var file = OpenAppend(path);
        var log = new AuditLog(path, maxFileBytes, keepFiles, time ?? TimeProvider.System, onError, file, seq, prev);
        if (tornBytes > 0)
            _ = log.AppendAsync(new AuditEntry { Kind = "daemon", Message = $"recovered: cut {tornBytes} bytes of an unfinished entry" });
        return log;
    }

    /// <summary>
    /// Chains and queues the entry; the task completes once it is written and fsynced. A batch holding an
    /// <paramref name="urgent"/> entry is committed at once; one holding only others waits <see cref="CoalesceDelay"/>
    /// for company, so a stream of them costs one write per 100 ms and one fsync per second, not per entry.
    /// </summary>
    public Task AppendAsync(AuditEntry entry, bool urgent = true)
    {
        StampTime(entry);
        return Enqueue(new Pending(entry, default, 0, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously), urgent));
    }

    /// <summary>
    /// Chains and queues the entry for the next group commit without waiting for it (reads: losing the last
    /// <see cref="ReadSyncInterval"/> of them in a power cut is accepted). The task completes at once unless the writer is
    /// <see cref="MaxQueued"/> entries behind, in which case it completes when there is room again.
    /// </summary>
    public Task Record(AuditEntry entry)
    {
        StampTime(entry);
        return Enqueue(new Pending(entry, default, 0, null, Urgent: false));
    }

    /// <summary>
    /// A request's entry, stamped with the current time: like <see cref="AppendAsync"/> when
    /// <paramref name="durable"/> (state changes: on disk before the task completes), like <see cref="Record"/>
    /// otherwise (reads).
    /// </summary>
    public Task RecordRequest(in AuditRequest request, bool durable) =>
        Enqueue(new Pending(null, request, _time.GetUtcNow().UtcTicks,
            durable ? new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously) : null, Urgent: durable));

    private void StampTime(AuditEntry entry)
    {
        if (string.IsNullOrEmpty(entry.Time)) entry.Time = _time.GetUtcNow().UtcDateTime.ToString("O", System.Globalization.CultureInfo.InvariantCulture);
    }

    private Task Enqueue(in Pending pending)
    {
        bool wake;
        Task? room = null;
        lock (_gate)
        {
            if (_closed) return Task.FromException(Closed());
            if (_incoming.Count >= MaxQueued)
            {
                _room ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                room = _room.Task;
                // A full queue is as good as urgent: the writer stops waiting for company.
                wake = _wakeOn != WakeOn.Nothing;
            }
            else
            {
                _incoming.Add(pending);
                _urgentQueued |= pending.Urgent;
                wake = _wakeOn == WakeOn.Any || (_wakeOn == WakeOn.Urgent && pending.Urgent);
            }
            if (wake)
            {
                _wakeOn = WakeOn.Nothing;
                Monitor.Pulse(_gate);
            }
        }
        if (room is not null) return EnqueueWhenRoomAsync(room, pending);
        return pending.Done?.Task ?? Task.CompletedTask;
    }

    private async Task EnqueueWhenRoomAsync(Task room, Pending pending)
    {
        await room.ConfigureAwait(false);
        await Enqueue(pending).ConfigureAwait(false);
    }

    private static ObjectDisposedException Closed() => new(nameof(AuditLog), "the audit log is closed");

    private void WriteLoop()
    {
        var output = new ArrayBufferWriter<byte>(64 * 1024);
        bool waitedForCompany = false;
        while (true)
        {
            List<Pending>? batch = null;
            int sleep = Timeout.Infinite;
            TaskCompletionSource? room = null;
            bool slept = false, woken = false;
            lock (_gate)
            {
                if (_incoming.Count == 0)
                {
                    if (_closed) break;
                    _wakeOn = WakeOn.Any;
                    if (_dirty) sleep = (int)Math.Max(0, _lastSync + (long)ReadSyncInterval.TotalMilliseconds - Environment.TickCount64);
                }
                else if (!waitedForCompany && !_urgentQueued && !_closed && _incoming.Count < MaxQueued)
                {
                    // Only entries nobody waits for: give them a few milliseconds of company, unless an urgent one comes.
                    _wakeOn = WakeOn.Urgent;
                    sleep = (int)CoalesceDelay.TotalMilliseconds;
                    waitedForCompany = true;
                }
                else
                {
                    batch = _incoming;
                    _incoming = _spare;
                    room = _room;
                    _room = null;
                    _urgentQueued = false;
                    _wakeOn = WakeOn.Nothing;
                    waitedForCompany = false;
                }
                if (batch is null)
                {
                    slept = true;
                    woken = Monitor.Wait(_gate, sleep);
                    _wakeOn = WakeOn.Nothing;
                }
            }
            room?.TrySetResult();
            if (slept || batch is null)
            {
                if (!woken && _dirty && Environment.TickCount64 - _lastSync >= (long)ReadSyncInterval.TotalMilliseconds) Commit(batch: null, output, sync: true);
                continue;
            }

            bool mustSync = Environment.TickCount64 - _lastSync >= (long)ReadSyncInterval.TotalMilliseconds;
            foreach (ref readonly var p in System.Runtime.InteropServices.CollectionsMarshal.AsSpan(batch))
                mustSync |= p.Urgent || p.Done is not null; // somebody waits: on disk before they go on
            Commit(batch, output, mustSync);
            batch.Clear();
            _spare = batch;
        }
        if (_dirty) Commit(batch: null, output, sync: true);
    }

    /// <summary>
    /// Writes the batch (if any) and fsyncs when asked; then completes the batch's waiters. A failure is reported
    /// and fails the waiters; the writer goes on.
    /// </summary>
    private void Commit(List<Pending>? batch, ArrayBufferWriter<byte> output, bool sync)
    {
        try
        {
            if (batch is not null)
            {
                WriteBatch(batch, output);
                _dirty = true;
            }
            if (sync)
            {
                _file.Flush(flushToDisk: true);
                _dirty = false;
                _lastSync = Environment.TickCount64;
            }
        }
        catch (Exception e)
        {
            _onError?.Invoke(e);
            if (batch is not null)
                foreach (var p in batch) p.Done?.TrySetException(e);
            return;
        }
        if (batch is not null)
            foreach (var p in batch) p.Done?.TrySetResult();
    }

    private void WriteBatch(List<Pending> batch, ArrayBufferWriter<byte> output)
    {
        long seq = _seq;
        Span<byte> hash = stackalloc byte[64];
        Span<byte> prev = stackalloc byte[64];
        _prev.CopyTo(prev);
        output.ResetWrittenCount();
        try
        {
            foreach (ref readonly var p in System.Runtime.InteropServices.CollectionsMarshal.AsSpan(batch))
            {
                int lineStart = output.WrittenCount;
                seq++;
                if (p.Entry is { } entry)
                {
                    entry.Seq = seq;
                    entry.Prev = System.Text.Encoding.ASCII.GetString(prev);
                    AuditLineWriter.WriteBody(output, entry, prev);
                }
                else
                {
                    AuditLineWriter.WriteRequestBody(output, seq, p.UtcTicks, p.Request, prev, _fragments);
                }
                AuditChain.Seal(output, lineStart, hash);
                if (_fileLength + output.WrittenCount > _rotateAt && _fileLength + lineStart > 0)
                {
                    // The file is full: what came before this entry goes to the old file (prev still holds the
                    // chain's position there), this entry starts the next.
                    Append(output.WrittenSpan[..lineStart], seq - 1, prev);
                    var line = output.WrittenSpan[lineStart..].ToArray();
                    output.ResetWrittenCount();
                    output.Write(line);
                    TryRotate();
                }
                hash.CopyTo(prev);
                if (output.WrittenCount >= WriteChunk)
                {
                    Append(output.WrittenSpan, seq, prev);
                    output.ResetWrittenCount();
                }
            }
            Append(output.WrittenSpan, seq, prev);
        }
        catch
        {
            // The file keeps what was written whole, and the next batch chains on from its last line.
            output.ResetWrittenCount();
            Repair();
            throw;
        }
        output.ResetWrittenCount();
    }

    /// <summary>Writes whole lines and moves the chain's position (the last entry in the file) past them.</summary>
    private void Append(ReadOnlySpan<byte> lines, long lastSeq, ReadOnlySpan<byte> lastHash)
    {
        if (lines.IsEmpty) return;
        _file.Write(lines);
        _fileLength += lines.Length;
        _seq = lastSeq;
        lastHash.CopyTo(_prev);
    }

    /// <summary>
    /// After a failed write or rotation: cuts what a short write left past the last whole line (a disk that filled
    /// up mid-line), and opens the file again, so that the next batch is appended after the last entry on record
    /// and the chain stays verifiable. A failure here leaves the file closed; the next batch tries again.
    /// </summary>
    private void Repair()
    {
        try
        {
            _file.Dispose();
        }
        catch (IOException)
        {
            // Closing a file whose last write failed may report that failure again; the handle is released either way.
        }
        try
        {
            if (File.Exists(Path))
            {
                CutTo(Path, _fileLength);
            }
            else
            {
                _fileLength = 0; // a rotation moved it away before the new file was created
            }
            _file = OpenAppend(Path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _onError?.Invoke(e);
        }
    }

    /// <summary>Cuts the file back to its last whole line, <paramref name="length"/> bytes, durably (at start-up after a crash, or after a short write).</summary>
    private static void CutTo(string path, long length)
    {
        using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Write);
        if (RandomAccess.GetLength(handle) <= length) return;
        RandomAccess.SetLength(handle, length);
        RandomAccess.FlushToDisk(handle);
    }

    /// <summary>
    /// Rotates; when that fails (a FILE.1 that is a directory, an I/O error), reports it and keeps appending to the
    /// current file, past its limit, so that nothing goes unrecorded; it tries again after another eighth of the limit.
    /// </summary>
    private void TryRotate()
    {
        try
        {
            Rotate();
            _rotateAt = MaxFileBytes;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _onError?.Invoke(new IOException($"audit log rotation failed, still writing to {Path}: {e.Message}", e));
            Repair();
            _rotateAt = _fileLength + Math.Max(1, MaxFileBytes / 8);
        }
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
        _fileLength = 0;
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
        lock (_gate)
        {
            if (_closed) return;
            _closed = true;
            _wakeOn = WakeOn.Nothing;
            Monitor.Pulse(_gate);
        }
        await _writer.ConfigureAwait(false);
        _file.Dispose();
    }

    private enum WakeOn { Nothing, Urgent, Any }

    /// <summary>A queued entry: a general <see cref="Entry"/>, or a request's fields and the time they were recorded.</summary>
    private readonly record struct Pending(AuditEntry? Entry, AuditRequest Request, long UtcTicks, TaskCompletionSource? Done, bool Urgent);
}
