using System.Buffers;

namespace Moat.Api.Json;

/// <summary>
/// Collects a response body in 16 KiB arrays from <see cref="ArrayPool{T}.Shared"/>, so a whole body can be measured
/// (Content-Length) before it is sent without a fresh array per response. A growing single array, as
/// <see cref="ArrayBufferWriter{T}"/>, leaves every doubling behind as garbage: about twice the body (for 500
/// containers a ~200 KiB list), the larger halves on the large-object heap, where only a full collection frees them.
/// Dispose returns the arrays.
/// </summary>
public sealed class PooledBufferWriter : IBufferWriter<byte>, IDisposable
{
    private const int SegmentSize = 16 * 1024;

    private readonly List<(byte[] Array, int Count)> _done = [];
    private byte[] _current = [];
    private int _used;

    /// <summary>Bytes written so far.</summary>
    public long Length { get; private set; }

    public void Advance(int count)
    {
        if ((uint)count > (uint)(_current.Length - _used)) throw new ArgumentOutOfRangeException(nameof(count));
        _used += count;
        Length += count;
    }

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _current.AsMemory(_used);
    }

    public Span<byte> GetSpan(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _current.AsSpan(_used);
    }

    private void Ensure(int sizeHint)
    {
        int need = Math.Max(sizeHint, 1);
        if (_current.Length - _used >= need) return;
        if (_used > 0) _done.Add((_current, _used));
        else if (_current.Length > 0) ArrayPool<byte>.Shared.Return(_current);
        _current = ArrayPool<byte>.Shared.Rent(Math.Max(need, SegmentSize));
        _used = 0;
    }

    /// <summary>Copies what was written, in order, into <paramref name="destination"/> (e.g. a response's BodyWriter).</summary>
    public void CopyTo(IBufferWriter<byte> destination)
    {
        foreach (var (array, count) in _done) destination.Write(array.AsSpan(0, count));
        if (_used > 0) destination.Write(_current.AsSpan(0, _used));
    }

    /// <summary>What was written, as one array (for tests and small bodies).</summary>
    public byte[] ToArray()
    {
        var result = new byte[Length];
        int at = 0;
        foreach (var (array, count) in _done)
        {
            array.AsSpan(0, count).CopyTo(result.AsSpan(at));
            at += count;
        }
        _current.AsSpan(0, _used).CopyTo(result.AsSpan(at));
        return result;
    }

    public void Dispose()
    {
        foreach (var (array, _) in _done) ArrayPool<byte>.Shared.Return(array);
        _done.Clear();
        if (_current.Length > 0) ArrayPool<byte>.Shared.Return(_current);
        _current = [];
        _used = 0;
        Length = 0;
    }
}
