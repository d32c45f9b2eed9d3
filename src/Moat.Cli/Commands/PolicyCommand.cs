using Moat.Security.Identity;
using Moat.Security.Policy;

namespace Moat.Cli.Commands;

/// <summary>`moat policy check`: answers allow/deny and why for a user, offline, from the policy file alone.</summary>
public static class PolicyCommand
{
    private const string Usage = """
        Usage: moat policy check --policy FILE --user USER [--group GROUP]... [--uid N] [--anonymous]
                                 (--action ACTION | --request create.json)

        Answers whether USER (with its GROUPs) may perform ACTION, or create the container described by a
        Docker create body (POST /containers/create JSON), and which rule decides. Exit 0 = allow, 1 = deny,
        2 = usage or policy error.
        """;

    public static Task<int> RunAsync(string[] args)
    {
        if (args.Length == 0 || args[0] is "-h" or "--help")
        {
            Console.Out.WriteLine(Usage);
            return Task.FromResult(args.Length == 0 ? 2 : 0);
        }
        if (args[0] != "check")
        {
            Console.Error.WriteLine($"moat policy: unknown command \"{args[0]}\"\n\n{Usage}");
            return Task.FromResult(2);
        }

        string? policyPath = null, user = null, action = null, requestPath = null;
        int? uid = null;
        bool anonymous = false;
        var groups = new List<string>();
        for (int i = 1; i < args.Length; i++)
        {
            string a = args[i];
            string? inline = null;
            int eq = a.IndexOf('=');
            if (a.StartsWith("--", StringComparison.Ordinal) && eq > 0) { inline = a[(eq + 1)..]; a = a[..eq]; }
            string Next() => inline ?? (i + 1 < args.Length ? args[++i] : throw new UsageException($"flag needs an argument: {a}"));
            try
            {
                switch (a)
                {
                    case "--policy": policyPath = Next(); break;
                    case "--user": user = Next(); break;
                    case "--group": groups.Add(Next()); break;
                    case "--uid": uid = int.TryParse(Next(), out int u) ? u : throw new UsageException("--uid needs a number"); break;
                    case "--anonymous": anonymous = true; break;
                    case "--action": action = Next(); break;
                    case "--request": requestPath = Next(); break;
                    case "-h" or "--help": Console.Out.WriteLine(Usage); return Task.FromResult(0);
                    default: throw new UsageException($"unknown flag: {a}");
                }
            }
            catch (UsageException e)
            {
                Console.Error.WriteLine($"moat policy check: {e.Message}\n\n{Usage}");
                return Task.FromResult(2);
            }
        }
        if (policyPath is null || (user is null && !anonymous && uid is null) || (action is null) == (requestPath is null))
        {
            Console.Error.WriteLine($"moat policy check: --policy, --user and exactly one of --action or --request are required\n\n{Usage}");
            return Task.FromResult(2);
        }

        AuthorizationPolicy policy;
        try
        {
            policy = AuthorizationPolicy.Load(policyPath);
        }
        catch (PolicyException e)
        {
            Console.Error.WriteLine($"moat policy check: {e.Message}");
            return Task.FromResult(2);
        }

        var caller = anonymous
            ? Caller.Anonymous with { Transport = "tcp" }
            : new Caller
            {
                User = user ?? $"uid:{uid}",
                Groups = groups,
                Method = uid is not null ? AuthMethod.PeerCredentials : AuthMethod.Tls,
                Uid = uid,
                Transport = uid is not null ? "unix" : "tls",
            };

        Decision decision;
        if (requestPath is not null)
        {
            ContainerCreateFacts facts;
            try
            {
                facts = CreateRequestFile.Read(requestPath);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
            {
                Console.Error.WriteLine($"moat policy check: {requestPath}: {e.Message}");
                return Task.FromResult(2);
            }
            decision = policy.AuthorizeContainerCreate(caller, facts, PolicyHostFacts.None);
            action = "container.create";
        }
        else
        {
            if (!Actions.Known.Contains(action!))
                Console.Error.WriteLine($"moat policy check: note: \"{action}\" is not an action of any route; the daemon denies it to everyone but administrators");
            decision = policy.Authorize(caller, action!);
        }

        string who = anonymous ? "anonymous caller" : $"user {caller.User}" + (groups.Count > 0 ? $" (groups {string.Join(", ", groups)})" : "");
        if (decision.Allowed)
            Console.Out.WriteLine($"allow: {who} may {action}: {decision.Rule}" + (decision.Scope == AccessScope.Own ? " (own objects only)" : ""));
        else
            Console.Out.WriteLine($"deny: {who} may not {action}: {decision.Rule}");
        return Task.FromResult(decision.Allowed ? 0 : 1);
    }

    private sealed class UsageException(string message) : Exception(message);
}
