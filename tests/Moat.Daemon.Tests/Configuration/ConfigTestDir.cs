using System.Text;
using Moat.Daemon.Configuration;

namespace Moat.Daemon.Tests.Configuration;

/// <summary>A temp directory with a daemon.json and a fake HOME; loads settings with an explicit environment.</summary>
internal sealed class ConfigTestDir : IDisposable
{
    public ConfigTestDir()
    {
        Path = Directory.CreateTempSubdirectory("moat-config-").FullName;
        Env["HOME"] = Combine("home");
    }

    public string Path { get; }
    public string ConfigFile => Combine("daemon.json");
    public Dictionary<string, string> Env { get; } = new();

    public string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    public string Write(string name, string content)
    {
        string p = Combine(name);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(p)!);
        File.WriteAllText(p, content, new UTF8Encoding(false));
        return p;
    }

    /// <summary>Writes <paramref name="json"/> (unless null) as daemon.json and loads with --config-file pointing at it.</summary>
    public DaemonSettings Load(string? json, params string[] args)
    {
        if (json is not null) Write("daemon.json", json);
        return LoadArgs(["--config-file", ConfigFile, .. args]);
    }

    /// <summary>Loads <paramref name="args"/> as given; the default config file is a path in this directory that does not exist.</summary>
    public DaemonSettings LoadArgs(params string[] args) =>
        DaemonConfigLoader.Load(CommandLine.Parse(args), name => Env.GetValueOrDefault(name), Combine("absent", "daemon.json"));

    public string ArgsError(params string[] args) => Assert.Throws<ConfigurationException>(() => LoadArgs(args)).Message;

    /// <summary>The message of the <see cref="ConfigurationException"/> loading throws.</summary>
    public string Error(string? json, params string[] args) => Assert.Throws<ConfigurationException>(() => Load(json, args)).Message;

    /// <summary>The wrapped form dockerd prints for file errors.</summary>
    public string Wrapped(string message) => $"unable to configure the Docker daemon with file {ConfigFile}: {message}";

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); }
        catch (IOException) { }
    }
}
