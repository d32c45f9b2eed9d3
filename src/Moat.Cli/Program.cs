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
        if (args[0] == "policy") return await Commands.PolicyCommand.RunAsync(args[1..]);
        if (args[0] == "audit") return await Commands.AuditCommand.RunAsync(args[1..]);
        Console.Error.WriteLine($"moat: unknown command \"{args[0]}\"\n\n{Usage}");
        return 2;
    }

    private const string Usage = """
        Usage: moat COMMAND

        Commands:
          policy check   answer allow/deny and why, offline (docs/authorization.md)
          audit verify   check the hash chain of audit logs (docs/audit.md)
        """;
}
