using System.Text;
using System.Text.RegularExpressions;
using Moat.Security.Pki;

namespace Moat.Cli.Commands;

/// <summary>
/// `moat ssh-setup`: writes an sshd drop-in so members of one group reach the Docker API over ssh:// with a key,
/// and get nothing else: no password, no shell, no command of their choosing, no forwarding, no TTY.
/// </summary>
internal static partial class SshSetupCommand
{
    /// <summary>"00-" so it is read before other drop-ins (sshd keeps the first value it reads, e.g. before 50-cloud-init.conf).</summary>
    public const string DefaultOutput = "/etc/ssh/sshd_config.d/00-moat.conf";
    public const string DefaultGroup = "docker";
    public const string DefaultMoatPath = "/usr/local/bin/moat";

    public const string Usage = """
        Usage: moat ssh-setup [OPTIONS]

        Writes an sshd drop-in: keys only (no passwords), only the allowed groups may log in, and members of
        --group always run `moat dial-stdio` whatever command they ask for, without forwarding, agent, X11 or TTY.
        Add a person: a Unix account in the group plus their public key in ~/.ssh/authorized_keys.

        Options:
          --group G            The group whose members get the Docker API (default docker)
          --admin-group G      Another group that may still log in normally, repeatable (e.g. sudo)
          --moat-path PATH     The moat binary sshd runs (default this binary, else /usr/local/bin/moat)
          -H, --host unix://P  The daemon socket dial-stdio connects to (default unix:///var/run/docker.sock)
          --output FILE        Where to write it (default /etc/ssh/sshd_config.d/00-moat.conf)
          --print              Print the drop-in instead of writing it
        """;

    private static readonly Dictionary<string, string> Options = new()
    {
        ["--group"] = "group", ["--admin-group"] = "admin-group", ["--moat-path"] = "moat-path",
        ["-H"] = "host", ["--host"] = "host", ["--output"] = "output",
    };

    private static readonly Dictionary<string, string> Flags = new() { ["--print"] = "print", ["-h"] = "help", ["--help"] = "help" };

    public static int Run(string[] args, TextWriter stdout, TextWriter stderr, string? processPath)
    {
        try
        {
            var a = new CommandArguments(args, Options, Flags);
            if (a.Has("help"))
            {
                stdout.WriteLine(Usage);
                return 0;
            }
            if (a.Positionals.Count > 0) throw new UsageException($"ssh-setup takes no argument \"{a.Positionals[0]}\"");
            string group = GroupName(a.Single("group") ?? DefaultGroup);
            var adminGroups = a.All("admin-group").Select(GroupName).Where(g => g != group).Distinct().ToList();
            string moatPath = SafePath(a.Single("moat-path")
                ?? (processPath is not null && Path.GetFileName(processPath) == "moat" ? processPath : DefaultMoatPath), "--moat-path");
            string? host = a.Single("host");
            if (host is not null)
            {
                string socket = DialStdioCommand.SocketPath(host, null);
                SafePath(socket, "--host");
            }
            string dropIn = DropIn(group, adminGroups, moatPath, host);
            if (a.Has("print"))
            {
                stdout.Write(dropIn);
                return 0;
            }
            string output = Path.GetFullPath(a.Single("output") ?? DefaultOutput);
            Directory.CreateDirectory(Path.GetDirectoryName(output)!);
            AtomicFile.WriteText(output, dropIn, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
            stdout.WriteLine($"Wrote {output}. Check it and reload sshd:");
            stdout.WriteLine("  sshd -t && systemctl reload ssh");
            stdout.WriteLine($"From now on only members of {string.Join(", ", new[] { group }.Concat(adminGroups))} may log in over ssh, with keys only.");
            stdout.WriteLine($"Members of {group} get the Docker API and nothing else. To add a person:");
            stdout.WriteLine($"  useradd --create-home --shell /bin/sh --groups {group} alice");
            stdout.WriteLine("  install -d -m 700 -o alice -g alice ~alice/.ssh");
            stdout.WriteLine("  install -m 600 -o alice -g alice alice.pub ~alice/.ssh/authorized_keys");
            stdout.WriteLine("and she runs: DOCKER_HOST=ssh://alice@HOST docker ps");
            return 0;
        }
        catch (UsageException e)
        {
            stderr.WriteLine($"moat ssh-setup: {e.Message}");
            return 2;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            stderr.WriteLine($"moat ssh-setup: {e.Message}");
            return 1;
        }
    }

    internal static string DropIn(string group, IReadOnlyList<string> adminGroups, string moatPath, string? host)
    {
        string command = host is null ? $"{moatPath} dial-stdio" : $"{moatPath} dial-stdio -H {host}";
        var text = new StringBuilder();
        text.Append($"""
            # Written by `moat ssh-setup`. Members of group "{group}" reach the Docker API through ssh:// with a key,
            # as themselves (moatd sees their uid on its socket), and get nothing else.
            # These settings apply to the whole sshd: keys only, and only these groups may log in.
            PasswordAuthentication no
            KbdInteractiveAuthentication no
            PubkeyAuthentication yes
            AllowGroups {string.Join(' ', new[] { group }.Concat(adminGroups))}

            # Whatever command the client asks for (the docker CLI asks for `docker system dial-stdio`), run dial-stdio.
            Match Group {group}
                ForceCommand {command}
                DisableForwarding yes
                AllowTcpForwarding no
                AllowStreamLocalForwarding no
                AllowAgentForwarding no
                X11Forwarding no
                PermitTunnel no
                PermitTTY no
                PermitUserRC no
            # End the Match block so nothing after this file is limited to the group.
            Match all

            """);
        return text.ToString();
    }

    private static string GroupName(string name) =>
        GroupPattern().IsMatch(name) ? name : throw new UsageException($"invalid group name \"{name}\"");

    private static string SafePath(string path, string option)
    {
        if (!path.StartsWith('/') || !PathPattern().IsMatch(path))
            throw new UsageException($"{option} needs an absolute path of letters, digits and / . _ + - (sshd runs it through a shell): \"{path}\"");
        return path;
    }

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_.-]{0,31}$")]
    private static partial Regex GroupPattern();

    [GeneratedRegex("^[A-Za-z0-9/._+-]{1,4096}$")]
    private static partial Regex PathPattern();
}
