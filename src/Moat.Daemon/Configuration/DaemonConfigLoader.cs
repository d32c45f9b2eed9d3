namespace Moat.Daemon.Configuration;

/// <summary>Flags + daemon.json → <see cref="DaemonSettings"/>. Placeholder: only -H, --data-root, --exec-root, --pidfile, -D.</summary>
public static class DaemonConfigLoader
{
    public static DaemonSettings Load(string[] args)
    {
        var hosts = new List<string>();
        var s = new DaemonSettings();
        bool? tls = null, verify = null;
        for (int i = 0; i < args.Length; i++)
        {
            string a = args[i];
            string Next() => i + 1 < args.Length ? args[++i] : throw new ConfigurationException($"flag needs an argument: {a}");
            if (a is "-H" or "--host") hosts.Add(Next());
            else if (a.StartsWith("--host=")) hosts.Add(a[7..]);
            else if (a == "--data-root") s = s with { DataRoot = Next() };
            else if (a == "--exec-root") s = s with { ExecRoot = Next() };
            else if (a is "-p" or "--pidfile") s = s with { PidFile = Next() };
            else if (a is "-D" or "--debug") s = s with { Debug = true };
            else if (a == "--config-file") s = s with { ConfigFile = Next(), ConfigFileExplicit = true };
            // Placeholder TLS/group/log flags for the listener tests (wt/listeners); the real loader replaces this.
            else if (a is "--tls" or "--tls=true") tls = true;
            else if (a == "--tls=false") tls = false;
            else if (a is "--tlsverify" or "--tlsverify=true") verify = true;
            else if (a == "--tlsverify=false") verify = false;
            else if (a == "--tlscacert") s = s with { TlsCaCert = Next() };
            else if (a == "--tlscert") s = s with { TlsCert = Next() };
            else if (a == "--tlskey") s = s with { TlsKey = Next() };
            else if (a is "-G" or "--group") s = s with { Group = Next() };
            else if (a == "--log-format") s = s with { LogFormat = Next() };
            else if (a is "-l" or "--log-level") s = s with { LogLevel = Next() };
            else throw new ConfigurationException($"unknown flag: {a}");
        }
        // dockerd ≥ 20.10: --tls alone means --tlsverify; --tlsverify=false still turns TLS on.
        bool verifyOn = verify ?? (tls ?? false);
        s = s with { Tls = (tls ?? false) || verify is not null, TlsVerify = verifyOn };
        return s with { Hosts = hosts.Count == 0 ? ["unix:///var/run/docker.sock"] : hosts };
    }
}
