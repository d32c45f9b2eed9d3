using System.Net.Sockets;
using Moat.Compat.Tests.Infrastructure;

namespace Moat.Compat.Tests.Archive;

/// <summary>Raw /containers/{id}/archive calls over the daemon's unix socket, for what the CLI never sends.</summary>
public static class ArchiveHttp
{
    public static HttpClient Client(MoatDaemon daemon) =>
        new(new SocketsHttpHandler
        {
            ConnectCallback = async (_, cancellationToken) =>
            {
                var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                await socket.ConnectAsync(new UnixDomainSocketEndPoint(daemon.SocketPath), cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            },
        })
        { BaseAddress = new Uri("http://localhost") };

    public static async Task<(int Status, string Body)> PutAsync(MoatDaemon daemon, string container, string path, byte[] tar, string query = "")
    {
        using var client = Client(daemon);
        using var content = new ByteArrayContent(tar);
        content.Headers.ContentType = new("application/x-tar");
        using var response = await client.PutAsync($"/v1.50/containers/{container}/archive?path={Uri.EscapeDataString(path)}{query}", content);
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    public static async Task<(int Status, string? Stat, byte[] Body)> GetAsync(MoatDaemon daemon, string container, string path, string method = "GET")
    {
        using var client = Client(daemon);
        using var request = new HttpRequestMessage(new HttpMethod(method), $"/v1.50/containers/{container}/archive?path={Uri.EscapeDataString(path)}");
        using var response = await client.SendAsync(request);
        response.Headers.TryGetValues("X-Docker-Container-Path-Stat", out var values);
        return ((int)response.StatusCode, values?.FirstOrDefault(), await response.Content.ReadAsByteArrayAsync());
    }
}
