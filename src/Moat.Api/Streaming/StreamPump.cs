using System.Buffers;
using System.Net.Sockets;
using Moat.Api.Containers;
using Moat.Engine.Exec;

namespace Moat.Api.Streaming;

/// <summary>How an attach or exec stream is shaped.</summary>
public sealed record PumpOptions
{
    public bool Stdin { get; init; }
    public bool Stdout { get; init; } = true;
    public bool Stderr { get; init; } = true;
    /// <summary>The monitor frames its output (the process has no TTY).</summary>
    public bool MonitorFramed { get; init; }
    /// <summary>The client gets stdcopy frames (no TTY and API ≥ 1.42).</summary>
    public bool ClientFramed { get; init; }
    /// <summary>With a TTY: the detach sequence is looked for in stdin, and stdin's end ends the stream (as dockerd).</summary>
    public bool Tty { get; init; }
    public byte[] DetachKeys { get; init; } = Moat.Engine.Exec.DetachKeys.Default;
}

public enum PumpEnd { OutputEnded, Detached, InputEnded, ClientGone }

/// <summary>
/// The duplex copy between a hijacked client connection and a monitor's attach socket: (1) output, filtered and
/// framed, until the monitor closes (the process ended) or the client is gone; (2) stdin, through the detach-key
/// matcher with a TTY, half-closing the monitor socket on the client's EOF so output keeps flowing. Buffers are
/// pooled and bounded (64 KiB each way); each side waits for the other's writes, so a slow end slows the other.
/// </summary>
public static class StreamPump
{
    private const int BufferSize = 256 * 1024;
    private static readonly TimeSpan DrainGrace = TimeSpan.FromMilliseconds(20);

    public static async Task<PumpEnd> RunAsync(Socket monitor, Stream client, HalfClose.Gate? gate, PumpOptions options)
    {
        using var monitorStream = new NetworkStream(monitor, ownsSocket: true);
        var output = OutputAsync(monitorStream, client, options);
        if (!options.Stdin) return await output;
        var input = InputAsync(monitorStream, monitor, client, gate, options);
        var first = await Task.WhenAny(output, input);
        if (first == output) return await output;
        var end = await input;
        if (end == PumpEnd.InputEnded && !options.Tty) return await output;
        // Detached, the TTY's input ended, or the client is gone: stop the output too.
        try { monitor.Shutdown(SocketShutdown.Both); } catch (SocketException) { } catch (ObjectDisposedException) { }
        try { await output; } catch (Exception e) when (e is IOException or ObjectDisposedException or SocketException) { }
        return end;
    }

    private static async Task<PumpEnd> OutputAsync(Stream monitor, Stream client, PumpOptions options)
    {
        var filter = new OutputFilter(options.MonitorFramed, options.ClientFramed, options.Stdout, options.Stderr);
        byte[] buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        var filtered = filter.PassThrough ? null : new ArrayBufferWriter<byte>(BufferSize + 1024);
        try
        {
            while (true)
            {
                int n;
                try { n = await monitor.ReadAsync(buffer.AsMemory(0, BufferSize)); }
                catch (Exception e) when (e is IOException or ObjectDisposedException or SocketException) { return PumpEnd.OutputEnded; }
                if (n == 0) return PumpEnd.OutputEnded;
                ReadOnlyMemory<byte> chunk = buffer.AsMemory(0, n);
                if (filtered is not null)
                {
                    filtered.ResetWrittenCount();
                    filter.Process(chunk.Span, filtered);
                    chunk = filtered.WrittenMemory;
                    if (chunk.IsEmpty) continue;
                }
                try
                {
                    await client.WriteAsync(chunk);
                    await client.FlushAsync();
                }
                catch (Exception e) when (e is IOException or ObjectDisposedException or OperationCanceledException) { return PumpEnd.ClientGone; }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static async Task<PumpEnd> InputAsync(Stream monitorStream, Socket monitor, Stream client, HalfClose.Gate? gate, PumpOptions options)
    {
        var matcher = options.Tty ? new DetachKeyMatcher(options.DetachKeys) : null;
        var pass = matcher is null ? null : new ArrayBufferWriter<byte>(BufferSize);
        byte[] buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            while (true)
            {
                int n;
                try { n = await ReadClientAsync(client, buffer.AsMemory(0, BufferSize), gate); }
                catch (Exception e) when (e is IOException or ObjectDisposedException or OperationCanceledException) { return PumpEnd.ClientGone; }
                if (n == 0)
                {
                    // Half-close: the monitor closes the container's stdin if it is StdinOnce; output continues.
                    if (!options.Tty)
                        try { monitor.Shutdown(SocketShutdown.Send); } catch (SocketException) { }
                    return PumpEnd.InputEnded;
                }
                ReadOnlyMemory<byte> chunk = buffer.AsMemory(0, n);
                bool detached = false;
                if (matcher is not null)
                {
                    pass!.ResetWrittenCount();
                    detached = matcher.Process(chunk.Span, pass);
                    chunk = pass.WrittenMemory;
                }
                try { if (!chunk.IsEmpty) await monitorStream.WriteAsync(chunk); }
                catch (Exception e) when (e is IOException or ObjectDisposedException or SocketException)
                {
                    // The container's input is closed (or the monitor ended): drop further input, keep the output.
                    if (!options.Tty) return PumpEnd.InputEnded;
                    return PumpEnd.ClientGone;
                }
                if (detached) return PumpEnd.Detached;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// A read that ends (0) at the client's half-close. HalfClose hides the FIN from Kestrel, so the read would
    /// wait forever: once the FIN was reached (all earlier bytes handed up), a read still waiting means EOF.
    /// </summary>
    private static async Task<int> ReadClientAsync(Stream client, Memory<byte> buffer, HalfClose.Gate? gate)
    {
        var read = client.ReadAsync(buffer).AsTask();
        if (gate is null || read.IsCompleted) return await read;
        if (await Task.WhenAny(read, gate.InputDrained) != read
            && await Task.WhenAny(read, Task.Delay(DrainGrace)) != read)
            return 0;
        return await read;
    }
}
