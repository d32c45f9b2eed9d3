using System.Buffers;
using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Moat.Api.Routing;
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
    /// POST /attach (hijack): 101 with Upgrade: tcp, then the container's stdout/stderr as they are logged,
    /// until its next run ends. Input (stdin) and detach keys are the interactive-attach issue.
    /// </summary>
    private static async Task Attach(ApiRequest request)
    {
        var service = Service(request);
        var record = Visible(request);
        if (record.State.Status == ContainerStatus.Paused)
            throw new ConflictException("You cannot attach to a paused container, unpause it first");
        bool stream = QueryValues.Bool(request, "stream"), logs = QueryValues.Bool(request, "logs");
        bool stdout = QueryValues.Bool(request, "stdout"), stderr = QueryValues.Bool(request, "stderr");
        if (!stream && !logs) throw new InvalidArgumentException("Bad parameters: you must choose at least one stream");
        bool tty = record.Config.Tty;
        string contentType = !tty && request.Version >= Multiplexing ? StreamFraming.Multiplexed : StreamFraming.Raw;
        Task stop = stream ? service.NextExit(record) : Task.CompletedTask;
        if (stream && record.State.Status is ContainerStatus.Running or ContainerStatus.Restarting) stop = service.CurrentRunEnded(record);
        var options = new LogReadOptions
        {
            Stdout = stdout,
            Stderr = stderr,
            Tail = logs ? -1 : 0,
            Follow = stream,
        };

        var http = request.Http;
        var upgrade = http.Features.Get<IHttpUpgradeFeature>();
        Stream output;
        var halfClose = HalfClose.For(http);
        if (upgrade is { IsUpgradableRequest: true })
        {
            if (halfClose is not null) halfClose.Upgraded = true;
            http.Response.Headers.ContentType = contentType;
            http.Response.Headers.Connection = "Upgrade";
            http.Response.Headers.Upgrade = "tcp";
            output = await upgrade.UpgradeAsync();
        }
        else
        {
            http.Response.StatusCode = StatusCodes.Status200OK;
            http.Response.ContentType = StreamFraming.Raw;
            await http.Response.StartAsync(request.Aborted);
            output = http.Response.Body;
        }
        // The CLI half-closes its side at once when it has no stdin to send, and Kestrel reports that FIN as
        // RequestAborted; so the copy is not tied to it. A client that is really gone makes the writes fail.
        using var gone = new CancellationTokenSource();
        try
        {
            if (!stdout && !stderr)
                await stop;
            else
                await CopyLogAsync(record.LogPath, options, stop, timestamps: false, framed: !tty, output, gone.Token);
        }
        catch (IOException)
        {
            // The client went away.
        }
        finally
        {
            halfClose?.Finish();
            if (!ReferenceEquals(output, http.Response.Body)) await output.DisposeAsync();
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
        string rootfs = Service(request).RootfsFor(VisibleId(request));
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
