using Moat.Daemon.Configuration;
using Moat.Daemon.Hosting;

namespace Moat.Daemon;

public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        DaemonSettings settings;
        try
        {
            settings = DaemonConfigLoader.Load(args);
        }
        catch (ConfigurationException e)
        {
            Console.Error.WriteLine(e.Message);
            return e.ExitCode;
        }
        try
        {
            return await DaemonHost.RunAsync(settings);
        }
        catch (ConfigurationException e)
        {
            Console.Error.WriteLine(e.Message);
            return e.ExitCode;
        }
    }
}
