using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Moat.Daemon.Configuration;
using Moat.Linux;

namespace Moat.Daemon.Listeners;

/// <summary>
/// Creates the API's unix socket as dockerd does (daemon/listeners/listeners_linux.go):
/// 1. resolve the group (name or gid; a missing default "docker" falls back to our gid with a warning),
/// 2. unlink a stale path, create the parent 0755 if missing,
/// 3. bind under umask 0777 so the socket is born 0000 (no window where anyone can connect),
/// 4. chown root:group, chmod 0660.
/// </summary>
public static partial class UnixSocketFactory
{
    public const string DefaultGroup = "docker";
    private static readonly object UmaskGate = new();

    public static uint ResolveGroup(string group, string socketPath, ILogger logger, string groupFile = GroupDatabase.DefaultPath)
    {
        if (GroupDatabase.LookupGid(group, groupFile) is { } gid) return gid;
        if (group == DefaultGroup)
        {
            Log.DefaultGroupMissing(logger, socketPath, group);
            return Libc.getgid();
        }
        throw new ConfigurationException($"failed to load listeners: can't create unix socket {socketPath}: group {group} not found");
    }

    public static Socket Create(string path, uint gid)
    {
        string? parent = Path.GetDirectoryName(path);
        if (!string.IsNullOrEmpty(parent) && !Directory.Exists(parent))
            Directory.CreateDirectory(parent, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
                | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ConfigurationException($"failed to load listeners: can't create unix socket {path}: {e.Message}");
        }

        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            lock (UmaskGate)
            {
                uint old = Libc.umask(0b111_111_111);
                try { socket.Bind(new UnixDomainSocketEndPoint(path)); }
                finally { Libc.umask(old); }
            }
            Libc.chown(path, 0, gid);
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.GroupWrite);
            socket.Listen(512);
            return socket;
        }
        catch (Exception e) when (e is SocketException or IOException or UnauthorizedAccessException)
        {
            socket.Dispose();
            throw new ConfigurationException($"failed to load listeners: can't create unix socket {path}: {e.Message}");
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1101, Level = LogLevel.Warning, Message = "could not change group {Path} to {Group}: group {Group} not found")]
        public static partial void DefaultGroupMissing(ILogger logger, string path, string group);
    }
}
