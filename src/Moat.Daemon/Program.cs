using Moat.Daemon.Configuration;
using Moat.Daemon.Hosting;

namespace Moat.Daemon;

public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        try
        {
            // 1. Flags (pflag rules); --help and --version need nothing else.
            var commandLine = CommandLine.Parse(args);
            if (commandLine.Help)
            {
                Console.Out.Write(DaemonFlags.Usage());
                return 0;
            }
            if (commandLine.Version)
            {
                Console.Out.WriteLine($"Docker version {DaemonHost.EngineVersion}, build moat");
                return 0;
            }

            // 2. Flags + daemon.json, then the TLS files, as dockerd's newDaemonCLI; --validate stops here.
            var settings = DaemonConfigLoader.Load(commandLine, Environment.GetEnvironmentVariable);
            using (TlsMaterial.Load(settings)) { }
            foreach (var warning in settings.Warnings) Console.Error.WriteLine("WARNING: " + warning);
            if (commandLine.Validate)
            {
                Console.Error.WriteLine("configuration OK");
                return 0;
            }

            // 3. What dockerd checks before touching the system.
            if (!Environment.IsPrivilegedProcess)
                throw new ConfigurationException("moatd needs to be started with root privileges");

            // 4. pidfile, listeners, services: DaemonHost (refusals there are ConfigurationExceptions too).
            return await DaemonHost.RunAsync(settings, reload: () => DaemonConfigLoader.Reload(settings));
        }
        catch (ConfigurationException e)
        {
            Console.Error.WriteLine(e.Message);
            return e.ExitCode;
        }
    }
}
