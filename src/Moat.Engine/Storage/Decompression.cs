using System.IO.Compression;

namespace Moat.Engine.Storage;

/// <summary>Bounds for one layer's uncompressed stream: a gzip bomb ends in a clear error, not a full disk.</summary>
public sealed record DecompressionLimits(long MaxBytes, double MaxRatio, long RatioGraceBytes)
{
    /// <summary>64 GiB per layer; at most 256:1 once 64 MiB came out.</summary>
    public static readonly DecompressionLimits Default = new(64L << 30, 256, 64L << 20);
}

/// <summary>Detects the compression of a layer or archive stream (as dockerd's DecompressStream) and opens it bounded.</summary>
public static class Decompression
{
    /// <summary>Returns a stream of the uncompressed bytes; plain tar passes through. xz, bzip2 and zstd are refused.</summary>
    public static async Task<Stream> OpenAsync(Stream source, DecompressionLimits limits, CancellationToken cancellationToken)
    {
        var head = new byte[6];
        int read = 0;
        while (read < head.Length)
        {
            int n = await source.ReadAsync(head.AsMemory(read), cancellationToken);
            if (n == 0) break;
            read += n;
        }
        var prefixed = new PrefixedStream(head.AsMemory(0, read), source);
        var h = head.AsSpan(0, read);
        if (h.StartsWith(new byte[] { 0x1f, 0x8b }))
        {
            var counted = new CountingStream(prefixed);
            return new BoundedStream(new GZipStream(counted, CompressionMode.Decompress), counted, limits);
        }
        if (h.StartsWith("BZh"u8)) throw new InvalidLayerException("bzip2-compressed layers are not supported (use gzip or no compression)");
        if (h.StartsWith(new byte[] { 0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00 })) throw new InvalidLayerException("xz-compressed layers are not supported (use gzip or no compression)");
        if (h.StartsWith(new byte[] { 0x28, 0xb5, 0x2f, 0xfd })) throw new InvalidLayerException("zstd-compressed layers are not supported (use gzip or no compression)");
        return new BoundedStream(prefixed, null, limits);
    }

    private sealed class PrefixedStream(ReadOnlyMemory<byte> prefix, Stream inner) : ReadOnlyStream
    {
        private ReadOnlyMemory<byte> _prefix = prefix;

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (_prefix.Length > 0)
            {
                int n = Math.Min(buffer.Length, _prefix.Length);
                _prefix[..n].CopyTo(buffer);
                _prefix = _prefix[n..];
                return n;
            }
            return await inner.ReadAsync(buffer, cancellationToken);
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing) inner.Dispose();
            base.Dispose(disposing);
        }
    }

    private sealed class CountingStream(Stream inner) : ReadOnlyStream
    {
        public long Count { get; private set; }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            int n = await inner.ReadAsync(buffer, cancellationToken);
            Count += n;
            return n;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing) inner.Dispose();
            base.Dispose(disposing);
        }
    }

    private sealed class BoundedStream(Stream inner, CountingStream? compressed, DecompressionLimits limits) : ReadOnlyStream
    {
        private long _produced;

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            int n;
            try
            {
                n = await inner.ReadAsync(buffer, cancellationToken);
            }
            catch (InvalidDataException e)
            {
                throw new InvalidLayerException($"invalid gzip data: {e.Message}", e);
            }
            _produced += n;
            if (_produced > limits.MaxBytes)
                throw new InvalidLayerException($"uncompressed layer is larger than the limit of {limits.MaxBytes} bytes");
            if (compressed is not null && _produced > limits.RatioGraceBytes && _produced > limits.MaxRatio * Math.Max(1, compressed.Count))
                throw new InvalidLayerException($"layer expands more than {limits.MaxRatio}:1 when decompressed (compression bomb?)");
            return n;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing) inner.Dispose();
            base.Dispose(disposing);
        }
    }
}

/// <summary>Base for the forward-only read streams of this folder.</summary>
public abstract class ReadOnlyStream : Stream
{
    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();
    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
    public abstract override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default);
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
