using System.Globalization;
using System.Net.Sockets;
using Moat.Daemon.Configuration;

namespace Moat.Daemon.Listeners;

/// <summary>
/// Sockets passed by systemd (sd_listen_fds): LISTEN_PID must be us, LISTEN_FDS sockets start at fd 3.
/// The variables are removed after reading so children do not inherit them (go-systemd's unsetEnv).
/// </summary>
public static class SystemdActivation
{
    public const int ListenFdsStart = 3;

    /// <summary>The activated fds, or empty when we were not socket-activated.</summary>
    public static IReadOnlyList<int> TakeListenFds()
    {
        string? pidText = Environment.GetEnvironmentVariable("LISTEN_PID");
        string? fdsText = Environment.GetEnvironmentVariable("LISTEN_FDS");
        Environment.SetEnvironmentVariable("LISTEN_PID", null);
        Environment.SetEnvironmentVariable("LISTEN_FDS", null);
        Environment.SetEnvironmentVariable("LISTEN_FDNAMES", null);
        if (!int.TryParse(pidText, NumberStyles.None, CultureInfo.InvariantCulture, out int pid) || pid != Environment.ProcessId) return [];
        if (!int.TryParse(fdsText, NumberStyles.None, CultureInfo.InvariantCulture, out int count) || count <= 0) return [];
        return Enumerable.Range(ListenFdsStart, count).ToArray();
    }

    /// <summary>dockerd's listenFD: `fd://` takes all, `fd://N` takes N and closes the others.</summary>
    public static IReadOnlyList<Socket> Select(IReadOnlyList<int> fds, int? wanted)
    {
        if (fds.Count == 0)
            throw new ConfigurationException("failed to load listeners: no sockets found via socket activation: make sure the service was started by systemd");
        if (wanted is null) return fds.Select(Wrap).ToArray();
        int index = wanted.Value - ListenFdsStart;
        if (index < 0 || index >= fds.Count)
            throw new ConfigurationException("failed to load listeners: too few socket activated files passed in by systemd");
        foreach (var other in fds.Where(f => f != wanted.Value)) Wrap(other).Dispose();
        return [Wrap(wanted.Value)];
    }

    private static Socket Wrap(int fd) => new(new SafeSocketHandle(fd, ownsHandle: true));
}
