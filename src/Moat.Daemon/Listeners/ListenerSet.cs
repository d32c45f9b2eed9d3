using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.Logging;
using Moat.Daemon.Configuration;

namespace Moat.Daemon.Listeners;

/// <summary>
/// Every socket the API listens on, created before Kestrel starts so refusals happen before anything is served:
/// 1. TLS material is loaded when TLS is on (a bad cert refuses to start),
/// 2. hosts are parsed, de-duplicated and sorted (dockerd's normalizeHosts),
/// 3. each TCP listener (from -H or from systemd) passes <see cref="TransportPolicy"/>,
/// 4. sockets are bound; Kestrel gets them by handle. Unix socket files we made are removed on dispose.
/// </summary>
public sealed partial class ListenerSet : IDisposable
{
    /// <summary>
    /// Key in the connection's items (<c>IConnectionItemsFeature</c>) holding "unix", "tcp" or "tls": how the caller
    /// reached us, for identity and audit.
    /// </summary>
    public const string TransportItemKey = "moat.transport";

    private readonly List<BoundListener> _listeners = [];
    private readonly List<string> _infoWarnings = [];

    private ListenerSet(TlsCertificateStore? tls)
    {
        Tls = tls;
    }

    public IReadOnlyList<BoundListener> Listeners => _listeners;
    public IReadOnlyList<string> InfoWarnings => _infoWarnings;
    public TlsCertificateStore? Tls { get; }

    /// <param name="activatedFds">Sockets passed by systemd (<see cref="SystemdActivation.TakeListenFds"/>).</param>
    /// <param name="groupFile">/etc/group; tests pass another.</param>
    /// <exception cref="ConfigurationException">The daemon must not start; the message says why.</exception>
    public static ListenerSet Create(DaemonSettings settings, ILogger logger, IReadOnlyList<int> activatedFds, string groupFile = Linux.GroupDatabase.DefaultPath)
    {
        bool tls = settings.Tls || settings.TlsVerify;
        var store = tls ? new TlsCertificateStore(settings, logger) : null;
        var set = new ListenerSet(store);
        try
        {
            // The loader parsed, de-duplicated and sorted them (dockerd's normalizeHosts); empty means the default host.
            IEnumerable<HostAddress> addresses = settings.HostAddresses.Count == 0 ? [HostAddress.Parse("", tls)] : settings.HostAddresses;
            addresses = addresses.DistinctBy(a => a.Normalized);
            foreach (var address in addresses)
            {
                switch (address.Kind)
                {
                    case HostAddressKind.Unix:
                        string path = address.Path!;
                        uint gid = UnixSocketFactory.ResolveGroup(settings.Group, path, logger, groupFile);
                        set._listeners.Add(new BoundListener(address.Normalized, UnixSocketFactory.Create(path, gid), false, path));
                        Log.Listening(logger, path);
                        break;
                    case HostAddressKind.Tcp:
                        set.AddTcp(address, settings, logger);
                        break;
                    case HostAddressKind.Fd:
                        foreach (var socket in SystemdActivation.Select(activatedFds, address.FdNumber))
                            set.AddActivated(socket, settings, logger);
                        break;
                }
            }
            return set;
        }
        catch
        {
            set.Dispose();
            throw;
        }
    }

    private void AddTcp(HostAddress address, DaemonSettings settings, ILogger logger)
    {
        bool tls = Tls is not null;
        string host = address.Host!;
        string hostPort = address.Normalized["tcp://".Length..];
        bool loopback = LoopbackCheck.IsLoopbackHost(host);
        Admit(address.Normalized, hostPort, loopback, tls, settings, logger);

        var ip = ResolveBindAddress(host);
        var endPoint = new IPEndPoint(ip, address.Port);
        var socket = new Socket(ip.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            if (ip.Equals(IPAddress.IPv6Any)) socket.DualMode = true;
            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            socket.Bind(endPoint);
            socket.Listen(512);
        }
        catch (SocketException e)
        {
            socket.Dispose();
            throw new ConfigurationException($"failed to load listeners: listen tcp {hostPort}: bind: {e.Message.ToLowerInvariant()}");
        }
        _listeners.Add(new BoundListener(address.Normalized, socket, tls, null));
        Log.Listening(logger, hostPort);
    }

    private void AddActivated(Socket socket, DaemonSettings settings, ILogger logger)
    {
        if (socket.AddressFamily is AddressFamily.InterNetwork or AddressFamily.InterNetworkV6)
        {
            var local = (IPEndPoint)socket.LocalEndPoint!;
            string hostPort = local.ToString();
            string address = "tcp://" + hostPort;
            try
            {
                Admit($"{address} (passed by systemd)", hostPort, LoopbackCheck.IsLoopback(local), Tls is not null, settings, logger);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
            _listeners.Add(new BoundListener(address, socket, Tls is not null, null));
            Log.Listening(logger, hostPort + " (systemd)");
        }
        else
        {
            // Activated unix sockets stay plain, as in dockerd; systemd owns their file and mode.
            string path = socket.LocalEndPoint is UnixDomainSocketEndPoint u ? u.ToString() : "";
            _listeners.Add(new BoundListener("unix://" + path, socket, false, null));
            Log.Listening(logger, path + " (systemd)");
        }
    }

    private void Admit(string address, string hostPort, bool loopback, bool tls, DaemonSettings settings, ILogger logger)
    {
        var verdict = TransportPolicy.Check(address, hostPort, loopback, tls, settings.TlsVerify);
        if (verdict.Refusal is not null) throw new ConfigurationException($"failed to load listeners: {verdict.Refusal}");
        foreach (var warning in verdict.LogWarnings) Log.InsecureListener(logger, warning, address);
        if (verdict.InfoWarning is not null) _infoWarnings.Add(verdict.InfoWarning);
    }

    private static IPAddress ResolveBindAddress(string host)
    {
        if (string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase)) return IPAddress.Loopback;
        if (IPAddress.TryParse(host, out var ip)) return ip;
        try
        {
            var all = Dns.GetHostAddresses(host);
            return all.FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork) ?? all.First();
        }
        catch (Exception e) when (e is SocketException or InvalidOperationException)
        {
            throw new ConfigurationException($"failed to load listeners: listen tcp: lookup {host}: no such host");
        }
    }

    /// <summary>Hands every socket to Kestrel; TLS listeners get the plain-HTTP guard, then the reloadable TLS layer.</summary>
    public void Configure(KestrelServerOptions kestrel)
    {
        foreach (var listener in _listeners)
        {
            kestrel.ListenHandle((ulong)listener.Socket.SafeHandle.DangerousGetHandle(), options =>
            {
                options.Protocols = HttpProtocols.Http1;
                string transport = listener.Transport;
                options.Use(next => connection =>
                {
                    connection.Items[TransportItemKey] = transport;
                    return next(connection);
                });
                if (listener.Tls && Tls is { } store)
                {
                    options.Use(PlainHttpGuard.Middleware);
                    options.UseHttps(new TlsHandshakeCallbackOptions
                    {
                        OnConnection = _ => ValueTask.FromResult(store.CreateServerOptions()),
                        HandshakeTimeout = TimeSpan.FromSeconds(10),
                    });
                    options.Use(Moat.Api.Streaming.UpgradeBody.Middleware); // exec start's body, seen through TLS
                }
            });
        }
    }

    public void Dispose()
    {
        foreach (var listener in _listeners)
        {
            listener.Socket.Dispose();
            if (listener.UnixPath is { } path)
            {
                try { File.Delete(path); }
                catch (IOException) { }
                catch (UnauthorizedAccessException) { }
            }
        }
        _listeners.Clear();
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1001, Level = LogLevel.Information, Message = "API listen on {Address}")]
        public static partial void Listening(ILogger logger, string address);

#pragma warning disable SYSLIB1015 // extra arguments become logrus-style fields
        [LoggerMessage(EventId = 1002, Level = LogLevel.Warning, Message = "{Warning}")]
        public static partial void InsecureListener(ILogger logger, string warning, string host);
#pragma warning restore SYSLIB1015
    }
}
