using System.Buffers;
using System.IO.Pipelines;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http;

namespace Moat.Api.Containers;

/// <summary>
/// Lets a hijacked (attach) connection survive the client's half-close. The docker CLI sends FIN (CloseWrite)
/// as soon as it has no more stdin, then keeps reading output; Kestrel treats an input FIN as the client
/// going away and aborts the output. This connection middleware hides the FIN from Kestrel once the
/// request has been upgraded, and reports it to the handler instead (<see cref="Gate.ClientClosedInput"/>).
/// </summary>
public static class HalfClose
{
    private static readonly object Key = new();

    /// <summary>Connection middleware: wraps the transport's input with a FIN-hiding reader.</summary>
    public static ConnectionDelegate Middleware(ConnectionDelegate next) => connection =>
    {
        var gate = new Gate();
        connection.Items[Key] = gate;
        var transport = connection.Transport;
        connection.Transport = new DuplexPipe(new FinHidingReader(transport.Input, gate), transport.Output);

        // Kestrel also learns of the FIN through ConnectionClosed (the socket's receive loop ended) and aborts
        // the response then; substitute a token that waits for the handler when the request was upgraded.
        var closed = new CancellationTokenSource();
        connection.ConnectionClosed.Register(() =>
        {
            if (gate.Upgraded && !gate.Done.IsCompleted)
            {
                gate.SignalClientEof();
                gate.Done.ContinueWith(_ => closed.Cancel(), TaskScheduler.Default);
            }
            else closed.Cancel();
        });
        connection.ConnectionClosed = closed.Token;
        return next(connection);
    };

    /// <summary>The gate of this request's connection, or null when the middleware is not installed.</summary>
    public static Gate? For(HttpContext http) =>
        http.Features.Get<IConnectionItemsFeature>()?.Items.TryGetValue(Key, out var g) == true ? g as Gate : null;

    public sealed class Gate
    {
        private readonly TaskCompletionSource _clientEof = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>Set by the handler just before it upgrades: from then on a FIN is a half-close.</summary>
        public bool Upgraded { get; set; }

        public Task ClientClosedInput => _clientEof.Task;

        /// <summary>
        /// The FIN was reached by a read: every byte the client sent before it has been handed up (to the upgraded
        /// stream, or to the TLS layer). <see cref="ClientClosedInput"/> may fire earlier, from the transport.
        /// </summary>
        public Task InputDrained => _drained.Task;
        internal Task Done => _done.Task;

        internal void SignalClientEof() => _clientEof.TrySetResult();

        internal void SignalDrained()
        {
            _clientEof.TrySetResult();
            _drained.TrySetResult();
        }

        /// <summary>The handler is finished: let the connection close normally.</summary>
        public void Finish() => _done.TrySetResult();
    }

    private sealed class DuplexPipe(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input { get; } = input;
        public PipeWriter Output { get; } = output;
    }

    private sealed class FinHidingReader(PipeReader inner, Gate gate) : PipeReader
    {
        private TaskCompletionSource _cancel = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override async ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default)
        {
            var result = await inner.ReadAsync(cancellationToken);
            if (!result.IsCompleted || !gate.Upgraded || gate.Done.IsCompleted) return result;
            if (!result.Buffer.IsEmpty) return new ReadResult(result.Buffer, result.IsCanceled, isCompleted: false);

            // The client half-closed an upgraded connection: hold the read until the handler is done.
            gate.SignalDrained();
            inner.AdvanceTo(result.Buffer.Start);
            var cancel = Volatile.Read(ref _cancel);
            await Task.WhenAny(gate.Done, cancel.Task, Task.Delay(Timeout.Infinite, cancellationToken)).ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
            if (cancel.Task.IsCompleted)
            {
                Interlocked.CompareExchange(ref _cancel, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously), cancel);
                return new ReadResult(ReadOnlySequence<byte>.Empty, isCanceled: true, isCompleted: false);
            }
            return await inner.ReadAsync(cancellationToken);
        }

        public override bool TryRead(out ReadResult result)
        {
            if (!inner.TryRead(out result)) return false;
            if (result.IsCompleted && gate.Upgraded && !gate.Done.IsCompleted)
            {
                if (result.Buffer.IsEmpty)
                {
                    inner.AdvanceTo(result.Buffer.Start);
                    gate.SignalDrained();
                    result = default;
                    return false;
                }
                result = new ReadResult(result.Buffer, result.IsCanceled, isCompleted: false);
            }
            return true;
        }

        public override void AdvanceTo(SequencePosition consumed) => inner.AdvanceTo(consumed);
        public override void AdvanceTo(SequencePosition consumed, SequencePosition examined) => inner.AdvanceTo(consumed, examined);

        public override void CancelPendingRead()
        {
            Volatile.Read(ref _cancel).TrySetResult();
            inner.CancelPendingRead();
        }

        public override void Complete(Exception? exception = null)
        {
            gate.Finish();
            inner.Complete(exception);
        }

        public override ValueTask CompleteAsync(Exception? exception = null)
        {
            gate.Finish();
            return inner.CompleteAsync(exception);
        }
    }
}
