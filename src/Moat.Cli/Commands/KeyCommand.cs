using System.Text.Json;
using Moat.Security.AtRest;

namespace Moat.Cli.Commands;

/// <summary>`moat key init|rotate`: the master key for encryption at rest (docs/encryption.md).</summary>
public static class KeyCommand
{
    public const string DefaultKeyFile = "/etc/moat/master.key";

    private const string Usage = """
        Usage: moat key init [--file PATH]
               moat key rotate [--config-file FILE] [--data-root DIR] [--key-file PATH]

        init     Writes a new random 256-bit master key to PATH (default /etc/moat/master.key), mode 0400,
                 atomically; refuses to replace an existing file. Point "data-encryption-key-file" in
                 daemon.json at it (or load it as the systemd credential moat-master-key).
        rotate   Re-wraps every volume key and re-seals the daemon state under a new master key, then replaces
                 the key file with it. Volume data is not touched. moatd must be stopped (rotate refuses while
                 it holds the data-root); an interrupted rotation is finished by running rotate again.
                 The data-root and key file come from daemon.json (--config-file, default
                 /etc/docker/daemon.json) unless given.
        """;

    private static readonly Dictionary<string, string> Options = new(StringComparer.Ordinal)
    {
        ["--file"] = "file", ["--config-file"] = "config-file", ["--data-root"] = "data-root", ["--key-file"] = "key-file",
    };

    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        if (args.Length == 0 || args[0] is "-h" or "--help")
        {
            stdout.WriteLine(Usage);
            return args.Length == 0 ? 2 : 0;
        }
        try
        {
            var a = new CommandArguments(args.Skip(1), Options, new Dictionary<string, string>());
            if (a.Positionals.Count > 0) throw new UsageException($"unexpected argument \"{a.Positionals[0]}\"");
            return args[0] switch
            {
                "init" => Init(a.Single("file") ?? DefaultKeyFile, stdout),
                "rotate" => Rotate(a, stdout),
                _ => throw new UsageException($"unknown command \"{args[0]}\"\n\n{Usage}"),
            };
        }
        catch (UsageException e)
        {
            stderr.WriteLine($"moat key: {e.Message}");
            return 2;
        }
        catch (Exception e) when (e is AtRestException or IOException or UnauthorizedAccessException or JsonException)
        {
            stderr.WriteLine($"moat key {args[0]}: {e.Message}");
            return 1;
        }
    }

    private static int Init(string path, TextWriter stdout)
    {
        if (!Path.IsPathFullyQualified(path)) path = Path.GetFullPath(path);
        using var key = MasterKey.Generate();
        key.WriteFile(path, overwrite: false);
        stdout.WriteLine($"wrote master key {key.Id} to {path} (mode 0400)");
        stdout.WriteLine($"add to /etc/docker/daemon.json: \"data-encryption-key-file\": \"{path}\" and restart moatd");
        return 0;
    }

    private static int Rotate(CommandArguments a, TextWriter stdout)
    {
        var (dataRoot, keyFile) = Locate(a);
        using var stateLock = StateLock.TryAcquire(dataRoot)
            ?? throw new AtRestException($"moatd is running on {dataRoot} (it holds {Path.Combine(dataRoot, StateLock.FileName)}): stop it first (e.g. systemctl stop moat), then run moat key rotate again");
        using var oldKey = MasterKey.LoadFile(keyFile);
        // The new key is written before anything is re-sealed, so an interruption never loses it; a second run resumes with it.
        string newFile = keyFile + ".new";
        MasterKey newKey;
        if (File.Exists(newFile))
        {
            newKey = MasterKey.LoadFile(newFile);
            stdout.WriteLine($"resuming an interrupted rotation with master key {newKey.Id} ({newFile})");
        }
        else
        {
            newKey = MasterKey.Generate();
            newKey.WriteFile(newFile, overwrite: false);
        }
        using (newKey)
        {
            var outcome = KeyRotation.Rotate(dataRoot, oldKey, newKey);
            File.Move(newFile, keyFile, overwrite: true);
            Moat.Linux.Files.FsyncDirectory(Path.GetDirectoryName(keyFile)!);
            stdout.WriteLine($"re-sealed {outcome.Resealed} file(s) under master key {newKey.Id} ({outcome.AlreadyNew} already were); {keyFile} now holds the new key, master key {oldKey.Id} is no longer used");
        }
        return 0;
    }

    /// <summary>The data-root and key file: the options, else daemon.json's "data-root" and "data-encryption-key-file".</summary>
    private static (string DataRoot, string KeyFile) Locate(CommandArguments a)
    {
        string? dataRoot = a.Single("data-root"), keyFile = a.Single("key-file");
        string configFile = a.Single("config-file") ?? "/etc/docker/daemon.json";
        if ((dataRoot is null || keyFile is null) && File.Exists(configFile))
        {
            var info = new FileInfo(configFile);
            if (info.Length > 10 << 20) throw new AtRestException($"{configFile} is too large");
            using var doc = JsonDocument.Parse(File.ReadAllBytes(configFile));
            if (doc.RootElement.ValueKind == JsonValueKind.Object)
            {
                if (dataRoot is null && doc.RootElement.TryGetProperty("data-root", out var d) && d.ValueKind == JsonValueKind.String) dataRoot = d.GetString();
                if (keyFile is null && doc.RootElement.TryGetProperty("data-encryption-key-file", out var k) && k.ValueKind == JsonValueKind.String) keyFile = k.GetString();
            }
        }
        if (string.IsNullOrEmpty(keyFile))
            throw new UsageException($"no master key file: give --key-file or set \"data-encryption-key-file\" in {configFile}");
        return (dataRoot is { Length: > 0 } ? dataRoot : "/var/lib/docker", keyFile);
    }
}
