using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http;

namespace Moat.Api.Streaming;

/// <summary>
/// `POST /exec/{id}/start` is an upgrade request with a JSON body, which Kestrel will not upgrade. The docker client
/// dials a new connection for every hijacked request, so this connection middleware looks at the first request of
/// each connection only: when it is an exec start with Upgrade and a small Content-Length, it takes the body off the
/// wire, hands Kestrel the head with "Content-Length: 0" and keeps the body for the handler (<see cref="Take"/>).
/// Every other connection is passed on untouched after its first bytes arrived.
/// </summary>
public static class UpgradeBody
{
    private static readonly object Key = new();
    private const int MaxHead = 16 * 1024;
    private const int MaxBody = 64 * 1024;
    private static readonly TimeSpan HeadTimeout = TimeSpan.FromSeconds(10);

    /// <summary>The exec start body taken off this request's connection, or null.</summary>
    public static byte[]? Take(HttpContext http)
    {
        var items = http.Features.Get<IConnectionItemsFeature>()?.Items;
        if (items is null || !items.TryGetValue(Key, out var body)) return null;
        items.Remove(Key);
        return body as byte[];
    }

    public static ConnectionDelegate Middleware(ConnectionDelegate next) => async connection =>
    {
        var input = connection.Transport.Input;
        byte[]? prefix = null;
        // A client that sends nothing is Kestrel's to time out (RequestHeadersTimeout): stop looking after a while.
        using var patience = CancellationTokenSource.CreateLinkedTokenSource(connection.ConnectionClosed);
        patience.CancelAfter(HeadTimeout);
        while (true)
        {
            ReadResult result;
            try { result = await input.ReadAsync(patience.Token); }
            catch (OperationCanceledException) when (!connection.ConnectionClosed.IsCancellationRequested) { break; }
            catch (OperationCanceledException) { return; }
            var buffer = result.Buffer;
            var verdict = Inspect(buffer, out long headLength, out int contentLength, out byte[]? rewritten);
            if (verdict == Verdict.NeedMore && !result.IsCompleted && buffer.Length < MaxHead + MaxBody)
            {
                input.AdvanceTo(buffer.Start, buffer.End);
                continue;
            }
            if (verdict != Verdict.Rewrite)
            {
                input.AdvanceTo(buffer.Start, buffer.Start);
                break;
            }
            connection.Items[Key] = buffer.Slice(headLength, contentLength).ToArray();
            input.AdvanceTo(buffer.GetPosition(headLength + contentLength));
            prefix = rewritten;
            break;
        }
        if (prefix is not null)
            connection.Transport = new PrefixedPipe(new PrefixedReader(prefix, input), connection.Transport.Output);
        await next(connection);
    };

    internal enum Verdict { Pass, NeedMore, Rewrite }

    internal static Verdict Inspect(ReadOnlySequence<byte> buffer, out long headLength, out int contentLength, out byte[]? rewritten)
    {
        headLength = 0;
        contentLength = 0;
        rewritten = null;
        ReadOnlySpan<byte> post = "POST /"u8;
        if (buffer.Length < post.Length) return buffer.IsEmpty || StartsLike(buffer, post) ? Verdict.NeedMore : Verdict.Pass;
        if (!StartsLike(buffer, post)) return Verdict.Pass;
        var reader = new SequenceReader<byte>(buffer);
        if (!reader.TryReadTo(out ReadOnlySequence<byte> headSeq, "\r\n\r\n"u8, advancePastDelimiter: true))
            return buffer.Length > MaxHead ? Verdict.Pass : Verdict.NeedMore;
        headLength = reader.Consumed;
        string head = Encoding.Latin1.GetString(headSeq);
        string[] lines = head.Split("\r\n");
        string[] requestLine = lines[0].Split(' ');
        if (requestLine.Length != 3) return Verdict.Pass;
        string path = requestLine[1];
        int q = path.IndexOf('?');
        if (q >= 0) path = path[..q];
        if (!path.EndsWith("/start", StringComparison.Ordinal) || !path.Contains("/exec/", StringComparison.Ordinal)) return Verdict.Pass;
        bool upgrade = false;
        int lengthLine = -1;
        for (int i = 1; i < lines.Length; i++)
        {
            int colon = lines[i].IndexOf(':');
            if (colon <= 0) continue;
            string name = lines[i][..colon].Trim();
            string value = lines[i][(colon + 1)..].Trim();
            if (name.Equals("Upgrade", StringComparison.OrdinalIgnoreCase)) upgrade = true;
            else if (name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase)) return Verdict.Pass;
            else if (name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
            {
                if (lengthLine >= 0 || !int.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out contentLength)) return Verdict.Pass;
                lengthLine = i;
            }
        }
        if (!upgrade || lengthLine < 0 || contentLength <= 0 || contentLength > MaxBody) return Verdict.Pass;
        if (buffer.Length < headLength + contentLength) return Verdict.NeedMore;
        lines[lengthLine] = "Content-Length: 0";
        rewritten = Encoding.Latin1.GetBytes(string.Join("\r\n", lines) + "\r\n\r\n");
        return Verdict.Rewrite;
    }

    private static bool StartsLike(ReadOnlySequence<byte> buffer, ReadOnlySpan<byte> prefix)
    {
        Span<byte> first = stackalloc byte[prefix.Length];
        int n = (int)Math.Min(buffer.Length, prefix.Length);
        buffer.Slice(0, n).CopyTo(first);
        return first[..n].SequenceEqual(prefix[..n]);
    }

    private sealed class PrefixedPipe(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input { get; } = input;
        public PipeWriter Output { get; } = output;
    }

    /// <summary>Serves <paramref name="prefix"/> first, then the inner reader.</summary>
    private sealed class PrefixedReader(byte[] prefix, PipeReader inner) : PipeReader
    {
        private int _offset;
        private bool PrefixLeft => _offset < prefix.Length;

        public override ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default) =>
            PrefixLeft ? ValueTask.FromResult(new ReadResult(new ReadOnlySequence<byte>(prefix, _offset, prefix.Length - _offset), false, false)) : inner.ReadAsync(cancellationToken);

        public override bool TryRead(out ReadResult result)
        {
            if (!PrefixLeft) return inner.TryRead(out result);
            result = new ReadResult(new ReadOnlySequence<byte>(prefix, _offset, prefix.Length - _offset), false, false);
            return true;
        }

        public override void AdvanceTo(SequencePosition consumed) => AdvanceTo(consumed, consumed);

        public override void AdvanceTo(SequencePosition consumed, SequencePosition examined)
        {
            if (ReferenceEquals(consumed.GetObject(), prefix)) { _offset = consumed.GetInteger(); return; }
            if (PrefixLeft) { _offset = prefix.Length; return; }
            inner.AdvanceTo(consumed, examined);
        }

        public override void CancelPendingRead() => inner.CancelPendingRead();
        public override void Complete(Exception? exception = null) => inner.Complete(exception);
        public override ValueTask CompleteAsync(Exception? exception = null) => inner.CompleteAsync(exception);
    }
}
