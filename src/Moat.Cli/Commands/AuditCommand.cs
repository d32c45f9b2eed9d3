using Moat.Security.Audit;

namespace Moat.Cli.Commands;

/// <summary>`moat audit verify FILE…`: checks the hash chain of audit log files (rotated files in any order).</summary>
public static class AuditCommand
{
    private const string Usage = """
        Usage: moat audit verify FILE...

        Verifies the hash chain of moatd audit logs (docs/audit.md). Give the current file and any rotated
        ones (audit.log.1, audit.log.2 …) in any order. Prints the first altered, removed or reordered entry
        and exits 1; exits 0 when the chain is intact, 2 on usage errors or unreadable files.
        """;

    public static Task<int> RunAsync(string[] args)
    {
        if (args.Length == 0 || args[0] is "-h" or "--help")
        {
            Console.Out.WriteLine(Usage);
            return Task.FromResult(args.Length == 0 ? 2 : 0);
        }
        if (args[0] != "verify")
        {
            Console.Error.WriteLine($"moat audit: unknown command \"{args[0]}\"\n\n{Usage}");
            return Task.FromResult(2);
        }
        var files = args.Skip(1).ToList();
        if (files.Count == 0)
        {
            Console.Error.WriteLine($"moat audit verify: no files given\n\n{Usage}");
            return Task.FromResult(2);
        }
        foreach (var f in files)
        {
            if (!File.Exists(f))
            {
                Console.Error.WriteLine($"moat audit verify: {f}: no such file");
                return Task.FromResult(2);
            }
        }
        AuditVerification result;
        try
        {
            result = AuditVerifier.Verify(files);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"moat audit verify: {e.Message}");
            return Task.FromResult(2);
        }
        if (result.Intact)
        {
            Console.Out.WriteLine(result.ToString());
            return Task.FromResult(0);
        }
        Console.Error.WriteLine(result.ToString());
        return Task.FromResult(1);
    }
}
