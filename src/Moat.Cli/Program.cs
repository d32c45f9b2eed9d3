using Moat.Cli.Commands;

namespace Moat.Cli;

/// <summary>`moat`: the administrator's tool (pki, config validation, policy checks, audit verification, dial-stdio).</summary>
public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
        {
            Console.Out.WriteLine(Usage);
            return args.Length == 0 ? 2 : 0;
        }
        switch (args[0])
        {
            case "pki": return PkiCommand.Run(args[1..], Console.Out, Console.Error, TimeProvider.System, Environment.GetEnvironmentVariable);
            case "dial-stdio": return await DialStdioCommand.RunAsync(args[1..], Console.OpenStandardInput(), Console.OpenStandardOutput(), Console.Error, Environment.GetEnvironmentVariable);
            case "ssh-setup": return SshSetupCommand.Run(args[1..], Console.Out, Console.Error, Environment.ProcessPath);
            case "policy": return await PolicyCommand.RunAsync(args[1..]);
            case "audit": return await AuditCommand.RunAsync(args[1..]);
            case "key": return KeyCommand.Run(args[1..], Console.Out, Console.Error);
        }
        Console.Error.WriteLine($"moat: unknown command \"{args[0]}\"\n\n{Usage}");
        return 2;
    }

    private const string Usage = """
        Usage: moat COMMAND

        Commands:
          pki          Certificates for the TLS listener: init, server, client, list, revoke, crl
          dial-stdio   Connect stdin/stdout to the daemon socket (the ssh:// ForceCommand)
          ssh-setup    Write the sshd drop-in for ssh:// access with keys only
          policy       Check a policy offline: policy check --policy FILE --user U --action A | --request F
          audit        Verify the hash chain of audit logs: audit verify FILE...
          key          Master key for encryption at rest: key init, key rotate
        """;
}
