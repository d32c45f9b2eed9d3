using System.Buffers;
using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Moat.Api.Routing;
using Moat.Api.Streaming;
using Microsoft.Extensions.DependencyInjection;
using System.Net.Sockets;
using Moat.Engine.Exec;
using Moat.Engine.Runtime;
using Moat.Api.Versioning;
using Moat.Engine.Containers;
using Moat.Engine.Containers.Logs;
using Moat.Engine.Errors;

namespace Moat.Api.Containers;

public static partial class ContainerRoutes
{
    private static readonly ApiVersion Multiplexing = new(1, 42);

    /// <summary>GET /logs: validate first, then 200 and the (framed unless TTY) stream; -f ends when the container stops.</summary>
    private static async Task Logs(ApiRequest request)
    {
        var service = Service(request);
        var record = Visible(request);
        bool stdout = QueryValues.Bool(request, "stdout"), stderr = QueryValues.Bool(request, "stderr");
        if (!stdout && !stderr) throw new InvalidArgumentException("Bad parameters: you must choose at least one stream");
        if (record.HostConfig.LogConfig.Type == "none")
            throw new InvalidArgumentException("configured logging driver does not support reading");
        string? tailText = request.Query("tail");
        int tail = string.IsNullOrEmpty(tailText) || tailText == "all" || !int.TryParse(tailText, out int t) || t < 0 ? -1 : t;
        var options = new LogReadOptions
        {
            Stdout = stdout,
            Stderr = stderr,
            Since = QueryValues.Timestamp(request, "since"),
            Until = QueryValues.Timestamp(request, "until"),
            Tail = tail,
            Follow = QueryValues.Bool(request, "follow"),
        };
        bool timestamps = QueryValues.Bool(request, "timestamps");
        bool tty = record.Config.Tty;
        Task stop = service.CurrentRunEnded(record);

        var response = request.Http.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = !tty && request.Version >= Multiplexing ? StreamFraming.Multiplexed : StreamFraming.Raw;
        await response.StartAsync(request.Aborted);
        await CopyLogAsync(record.LogPath, options, stop, timestamps, framed: !tty, response.Body, request.Aborted);
    }

    private static async Task CopyLogAsync(string path, LogReadOptions options, Task stop, bool timestamps, bool framed, Stream output, CancellationToken cancellationToken)
    {
        var buffer = new MemoryStream();
        await using var entries = JsonLogReader.ReadAsync(path, options, stop, cancellationToken).GetAsyncEnumerator(cancellationToken);
        while (true)
        {
            var next = entries.MoveNextAsync();
            if (!next.IsCompleted && buffer.Length > 0)
            {
                await output.WriteAsync(buffer.GetBuffer().AsMemory(0, (int)buffer.Length), cancellationToken);
                await output.FlushAsync(cancellationToken);
                buffer.SetLength(0);
            }
            if (!await next) break;
            var e = entries.Current;
            byte[] payload = e.Line;
            if (timestamps)
                payload = [.. Encoding.ASCII.GetBytes(QueryValues.Rfc3339NanoFixed(e.Time) + " "), .. payload];
            StreamFraming.Append(buffer, e.Stream, payload, framed);
            if (buffer.Length > 32 * 1024)
            {
                await output.WriteAsync(buffer.GetBuffer().AsMemory(0, (int)buffer.Length), cancellationToken);
                buffer.SetLength(0);
            }
        }
        if (buffer.Length > 0) await output.WriteAsync(buffer.GetBuffer().AsMemory(0, (int)buffer.Length), cancellationToken);
        await output.FlushAsync(cancellationToken);
    }

    /// <summary>
    /// POST /attach (hijack): (1) checks (detach keys, container state) as HTTP errors, (2) a connection to the
    /// container's monitor — now, or registered for its next start so nothing is missed (docker run attaches
    /// before start), (3) 101 Upgrade: tcp, (4) with logs=1 the log so far, (5) the live duplex stream until the
    /// container's output ends, the client detaches (TTY: detach keys in stdin) or goes away.
    /// </summary>
    private static async Task Attach(ApiRequest request)
    {
        string? keysText = request.Query("detachKeys");
        byte[] keys = DetachKeys.Default;
        if (!string.IsNullOrEmpty(keysText) && !DetachKeys.TryParse(keysText, out keys))
            throw new InvalidArgumentException($"Invalid detach keys ({keysText}) provided");
        var service = Service(request);
        var record = Visible(request);
        request.Resource = record.Id;
        if (record.State.Status == ContainerStatus.Paused)
            throw new ConflictException($"container {request.Value("id")} is paused, unpause the container before attach");
        if (record.State.Status == ContainerStatus.Restarting)
            throw new ConflictException($"container {request.Value("id")} is restarting, wait until the container is running");
        bool stream = QueryValues.Bool(request, "stream"), logs = QueryValues.Bool(request, "logs");
        bool stdout = QueryValues.Bool(request, "stdout"), stderr = QueryValues.Bool(request, "stderr");
        bool stdin = QueryValues.Bool(request, "stdin") && record.Config.OpenStdin;
        if (!stream && !logs) throw new InvalidArgumentException("Bad parameters: you must choose at least one stream");
        bool tty = record.Config.Tty;
        bool framed = !tty && request.Version >= Multiplexing;
        string contentType = framed ? StreamFraming.Multiplexed : StreamFraming.Raw;

        var runtime = request.Services.GetService<RuntimeService>();
        Task<Socket>? monitor = null;
        using var abandon = new CancellationTokenSource();
        if (stream)
        {
            if (runtime is null) throw new UnavailableException("no container runtime is configured");
            bool running = record.State.Status == ContainerStatus.Running;
            try { monitor = runtime.ConnectAttachAsync(record.Id, untilStarted: true, abandon.Token); }
            catch (Moat.Engine.Runtime.RuntimeContainerNotFoundException) when (!running)
            {
                // Never prepared: the start prepares it; attach then through the log, as before the first start.
                monitor = null;
            }
        }

        await using var client = await Hijack.StartAsync(request, contentType);
        try
        {
            if (logs && (stdout || stderr))
            {
                var options = new LogReadOptions { Stdout = stdout, Stderr = stderr, Tail = -1, Follow = false };
                await CopyLogAsync(record.LogPath, options, Task.CompletedTask, timestamps: false, framed: framed, client.Stream, CancellationToken.None);
            }
            if (!stream) return;
            if (monitor is null)
            {
                // No runtime state yet (a container never started): follow the log until the next run ends.
                var follow = new LogReadOptions { Stdout = stdout, Stderr = stderr, Tail = 0, Follow = true };
                if (stdout || stderr)
                    await CopyLogAsync(record.LogPath, follow, service.NextExit(record), timestamps: false, framed: framed, client.Stream, CancellationToken.None);
                return;
            }
            Socket socket;
            try { socket = await monitor; }
            catch (MoatException) { return; }
            var end = await StreamPump.RunAsync(socket, client.Stream, client.Upgraded ? client.Gate : null, new PumpOptions
            {
                Stdin = stdin && client.Upgraded,
                Stdout = stdout,
                Stderr = stderr,
                MonitorFramed = !tty,
                ClientFramed = framed,
                Tty = tty,
                DetachKeys = keys,
            });
            if (end == PumpEnd.Detached) service.PublishEvent(record, "detach");
        }
        catch (IOException)
        {
            // The client went away.
        }
        finally
        {
            // A connection still pending (the client left before the start) is closed when it arrives.
            abandon.Cancel();
        }
    }

    private static async Task Top(ApiRequest request)
    {
        var result = await Service(request).TopAsync(VisibleId(request), request.Query("ps_args"), request.Aborted);
        await ApiResults.JsonAsync(request.Http, result, Contracts.Containers.ContainersJsonContext.Default.ContainerTopResponse);
    }

    /// <summary>GET /export: the container's filesystem as a tar stream.</summary>
    private static async Task Export(ApiRequest request)
    {
        string rootfs = await Service(request).MountedRootfsAsync(VisibleId(request), request.Aborted);
        var response = request.Http.Response;
        var psi = new ProcessStartInfo("tar", ["--numeric-owner", "-C", rootfs, "-cf", "-", "."])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var tar = Process.Start(psi) ?? throw new UnavailableException("tar did not start");
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "application/x-tar";
        try
        {
            await tar.StandardOutput.BaseStream.CopyToAsync(response.Body, request.Aborted);
            await tar.WaitForExitAsync(request.Aborted);
        }
        finally
        {
            if (!tar.HasExited) tar.Kill();
        }
    }
}
