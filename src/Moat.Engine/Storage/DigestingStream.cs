using System.Security.Cryptography;

namespace Moat.Engine.Storage;

/// <summary>
/// A read-only pass-through that computes the sha256 of every byte read, optionally copies them to
/// <paramref name="tee"/>, and fails once more than <paramref name="maxBytes"/> were read.
/// </summary>
public sealed class DigestingStream(Stream inner, Stream? tee = null, long maxBytes = long.MaxValue) : Stream
{
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

    public long BytesRead { get; private set; }

    /// <summary>"sha256:&lt;hex&gt;" of what was read so far.</summary>
    public string Digest() => "sha256:" + Convert.ToHexStringLower(_hash.GetCurrentHash());

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        int n = await inner.ReadAsync(buffer, cancellationToken);
        if (n > 0)
        {
            BytesRead += n;
            if (BytesRead > maxBytes) throw new InvalidLayerException($"layer is larger than the limit of {maxBytes} bytes");
            _hash.AppendData(buffer.Span[..n]);
            if (tee is not null) await tee.WriteAsync(buffer[..n], cancellationToken);
        }
        return n;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    /// <summary>Reads to the end (trailing padding is part of a diff-id).</summary>
    public async Task DrainAsync(CancellationToken cancellationToken)
    {
        var buffer = new byte[64 * 1024];
        while (await ReadAsync(buffer, cancellationToken) > 0) { }
    }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => BytesRead; set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing) _hash.Dispose();
        base.Dispose(disposing);
    }
}
