using System.Net.Sockets;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Moat.Api.Containers;
using Moat.Api.Contracts.Exec;
using Moat.Api.Json;
using Moat.Api.Routing;
using Moat.Api.Security;
using Moat.Api.Streaming;
using Moat.Api.Versioning;
using Moat.Engine.Containers;
using Moat.Engine.Errors;
using Moat.Engine.Exec;
using Moat.Security.Policy;

namespace Moat.Api.Exec;

/// <summary>docker exec: create in a container, start (hijacked), resize, inspect. Instances are visible only with their container.</summary>
public static class ExecRoutes
{
    private static readonly ApiVersion Multiplexing = new(1, 42);

    public static void Map(RouteTable routes)
    {
        routes.MapPost("/containers/{id}/exec", "container.exec", Create);
        routes.Map("POST", "/exec/{id}/start", "exec.start", Start, hijacks: true);
        routes.MapPost("/exec/{id}/resize", "exec.resize", Resize);
        routes.MapGet("/exec/{id}/json", "exec.inspect", Inspect);
    }

    private static ExecService Execs(ApiRequest request) => request.Services.GetRequiredService<ExecService>();

    private static ContainerService Containers(ApiRequest request) => request.Services.GetRequiredService<ContainerService>();

    /// <summary>The exec instance named by {id}, if the caller may see its container; else exactly a missing one.</summary>
    private static ExecRecord Visible(ApiRequest request)
    {
        string id = request.Value("id");
        var exec = Execs(request).Get(id);
        var container = Containers(request).Store.TryGet(exec.ContainerId);
        if (container is null || !request.CanSee(container.Owner)) throw new ExecNotFoundException(id);
        request.Resource = exec.Id;
        return exec;
    }

    private static async Task Create(ApiRequest request)
    {
        var body = await RequestBody.ReadJsonAsync(request, ExecJsonContext.Default.ExecCreateRequest) ?? new ExecCreateRequest();
        await request.Services.GetRequiredService<IRequestAuthorizer>().AuthorizeBodyAsync(request, new ExecCreateFacts { Privileged = body.Privileged, User = body.User });
        string id = request.Value("id");
        var container = Containers(request).Get(id);
        if (!request.CanSee(container.Owner)) throw new ContainerNotFoundException(id);
        request.Resource = container.Id;
        var exec = Execs(request).Create(container, new ExecCreateOptions
        {
            Cmd = body.Cmd ?? [],
            Env = body.Env ?? [],
            User = body.User ?? "",
            WorkingDir = body.WorkingDir ?? "",
            Privileged = body.Privileged,
            Tty = body.Tty,
            AttachStdin = body.AttachStdin,
            AttachStdout = body.AttachStdout,
            AttachStderr = body.AttachStderr,
            DetachKeys = body.DetachKeys ?? "",
            ConsoleSize = Size(body.ConsoleSize),
        });
        request.CreatedIn(exec.Id, container.Name.TrimStart('/'));
        await ApiResults.JsonAsync(request.Http, new ExecCreateResponse { Id = exec.Id }, ExecJsonContext.Default.ExecCreateResponse, StatusCodes.Status201Created);
    }

    private static (int, int)? Size(List<uint>? size)
    {
        if (size is null || size.Count == 0) return null;
        if (size.Count != 2) throw new InvalidArgumentException("ConsoleSize must have two elements");
        if (size[0] > ushort.MaxValue || size[1] > ushort.MaxValue) throw new InvalidArgumentException("invalid ConsoleSize");
        return ((int)size[0], (int)size[1]);
    }

    /// <summary>
    /// POST /exec/{id}/start: a missing instance is a 404; then, as dockerd, the hijack (unless Detach) and any
    /// failure to start is written into the stream as "&lt;error&gt;\r\n". The exit is recorded before the stream
    /// closes, so the CLI's inspect right after sees the exit code.
    /// </summary>
    private static async Task Start(ApiRequest request)
    {
        // An upgrading client's body was taken off the wire before Kestrel saw it (see UpgradeBody).
        var taken = UpgradeBody.Take(request.Http);
        ExecStartRequest body;
        if (taken is not null)
        {
            RequestBody.CheckContentType(request.Http.Request);
            body = RequestBody.Parse(taken, ExecJsonContext.Default.ExecStartRequest) ?? new ExecStartRequest();
        }
        else body = await RequestBody.ReadJsonAsync(request, ExecJsonContext.Default.ExecStartRequest) ?? new ExecStartRequest();
        var exec = Visible(request);
        var execs = Execs(request);
        var size = Size(body.ConsoleSize);
        if (body.Detach)
        {
            var detached = await execs.StartAsync(exec.Id, detach: true, null, size, request.Aborted);
            detached.Stdio?.Dispose();
            request.Http.Response.StatusCode = StatusCodes.Status200OK;
            return;
        }
        bool clientFramed = !body.Tty && request.Version >= Multiplexing;
        await using var client = await Hijack.StartAsync(request, clientFramed ? StreamFraming.Multiplexed : StreamFraming.Raw);
        ExecSession session;
        try
        {
            session = await execs.StartAsync(exec.Id, detach: false, null, size, CancellationToken.None);
        }
        catch (MoatException e)
        {
            await WriteErrorAsync(client.Stream, e.Message, clientFramed);
            return;
        }
        if (session.Stdio is not Socket socket)
        {
            await execs.FinishAsync(exec, CancellationToken.None);
            return;
        }
        byte[] keys = DetachKeys.Default;
        if (exec.DetachKeys.Length > 0) DetachKeys.TryParse(exec.DetachKeys, out keys);
        try
        {
            await StreamPump.RunAsync(socket, client.Stream, client.Upgraded ? client.Gate : null, new PumpOptions
            {
                Stdin = exec.AttachStdin && client.Upgraded,
                Stdout = exec.AttachStdout,
                Stderr = exec.AttachStderr,
                MonitorFramed = !exec.Tty,
                ClientFramed = clientFramed,
                Tty = exec.Tty,
                DetachKeys = keys,
            });
        }
        catch (IOException) { }
        await execs.FinishAsync(exec, CancellationToken.None);
    }

    private static async Task WriteErrorAsync(Stream stream, string message, bool framed)
    {
        var buffer = new MemoryStream();
        StreamFraming.Append(buffer, Moat.Engine.Containers.Logs.LogStream.Stdout, Encoding.UTF8.GetBytes(message + "\r\n"), framed);
        try
        {
            await stream.WriteAsync(buffer.ToArray());
            await stream.FlushAsync();
        }
        catch (IOException) { }
    }

    private static Task Resize(ApiRequest request)
    {
        var exec = Visible(request);
        var (h, w) = (ContainerRoutes.ResizeValue(request, "h", "height"), ContainerRoutes.ResizeValue(request, "w", "width"));
        Execs(request).Resize(exec.Id, h, w);
        request.Http.Response.StatusCode = StatusCodes.Status200OK;
        return Task.CompletedTask;
    }

    private static Task Inspect(ApiRequest request)
    {
        var exec = Visible(request);
        var view = new ExecInspectResponse
        {
            CanRemove = exec.CanRemove,
            DetachKeys = exec.DetachKeys,
            ID = exec.Id,
            Running = exec.Running,
            ExitCode = exec.ExitCode,
            ProcessConfig = new ExecProcessConfig
            {
                Entrypoint = exec.Cmd[0],
                Arguments = [.. exec.Cmd.Skip(1)],
                Privileged = exec.Privileged,
                Tty = exec.Tty,
                User = exec.User,
            },
            OpenStdin = exec.AttachStdin,
            OpenStdout = exec.AttachStdout,
            OpenStderr = exec.AttachStderr,
            ContainerID = exec.ContainerId,
            Pid = exec.Pid,
        };
        return ApiResults.JsonAsync(request.Http, view, ExecJsonContext.Default.ExecInspectResponse);
    }
}
