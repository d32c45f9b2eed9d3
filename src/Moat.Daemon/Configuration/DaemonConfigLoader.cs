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
        s = ReadSecurityKeys(s);
        return s with { Hosts = hosts.Count == 0 ? ["unix:///var/run/docker.sock"] : hosts };
    }

    /// <summary>Placeholder until the real loader: only "authorization-policy" and "audit-log" from daemon.json.</summary>
    private static DaemonSettings ReadSecurityKeys(DaemonSettings s)
    {
        if (!File.Exists(s.ConfigFile)) return s;
        try
        {
            using var doc = System.Text.Json.JsonDocument.Parse(File.ReadAllBytes(s.ConfigFile));
            if (doc.RootElement.TryGetProperty("authorization-policy", out var policy)) s = s with { AuthorizationPolicy = policy.GetString() };
            if (doc.RootElement.TryGetProperty("audit-log", out var audit)) s = s with { AuditLog = audit.GetString() ?? s.AuditLog };
            return s;
        }
        catch (System.Text.Json.JsonException e)
        {
            throw new ConfigurationException($"unable to configure the Docker daemon with file {s.ConfigFile}: {e.Message}");
        }
    }
}
