namespace Moat.Daemon.Configuration;

/// <summary>Flags + daemon.json → <see cref="DaemonSettings"/>. Placeholder: only -H, --data-root, --exec-root, --pidfile, -D.</summary>
public static class DaemonConfigLoader
{
    public static DaemonSettings Load(string[] args)
    {
        var hosts = new List<string>();
        var s = new DaemonSettings();
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
            else throw new ConfigurationException($"unknown flag: {a}");
        }
        return s with { Hosts = hosts.Count == 0 ? ["unix:///var/run/docker.sock"] : hosts };
    }
}
