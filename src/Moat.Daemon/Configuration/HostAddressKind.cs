namespace Moat.Daemon.Configuration;

/// <summary>The transport of a daemon listen address (<c>-H</c> / <c>"hosts"</c>).</summary>
public enum HostAddressKind
{
    /// <summary><c>unix:///path</c>: a unix socket the daemon creates.</summary>
    Unix,
    /// <summary><c>tcp://host:port</c>.</summary>
    Tcp,
    /// <summary><c>fd://</c> (all sockets passed by systemd) or <c>fd://N</c> (socket N only).</summary>
    Fd,
}
