using System.Globalization;
using Moat.Security.Pki;

namespace Moat.Cli.Commands;

/// <summary>`moat pki`: a small CA for the daemon's TLS listener: init, server, client, list, revoke, crl.</summary>
internal static class PkiCommand
{
    public const string DefaultDirectory = "/etc/moat/pki";
    public const int DefaultTlsPort = 2376;

    public const string Usage = """
        Usage: moat pki COMMAND [OPTIONS]

        A certificate authority for moatd's TLS listener (tcp://…:2376 with client certificates).

        Commands:
          init                      Make the CA (ca.pem, ca-key.pem) and an empty CRL (crl.pem)
          server --name HOST        Make the daemon's certificate (server-cert.pem, server-key.pem) and print daemon.json
          client NAME --out DIR     Make a user's certificate as ca.pem, cert.pem, key.pem for DOCKER_CERT_PATH
          list                      Show issued certificates
          revoke NAME|SERIAL        Revoke certificates and rewrite crl.pem (moatd applies it to new connections)
          crl                       Rewrite crl.pem (renews its validity)

        Options:
          --dir DIR                 The CA directory (default $MOAT_PKI_DIR, else /etc/moat/pki)
          --algorithm ALG           Key type: ecdsa (P-256, default), rsa (3072) or ed25519 (init, server, client)
          --days N                  Validity in days (CA 3650, server 825, client 365)
          --not-before TIME         Start of validity, e.g. 2025-01-01T00:00:00Z (default: now)
          --cn NAME                 The CA's common name (init; default "Moat CA")
          --name HOST               A DNS name of the server, repeatable; the first is the CN (server)
          --ip IP                   An IP address of the server, repeatable (server)
          --group G                 A group the user belongs to, repeatable; stored as O= (client)
          --out DIR                 Where to write the files (client: required; server: default the CA directory)
          --host HOST[:PORT]        The daemon's address to print in the docker commands (client)
        """;

    private static readonly Dictionary<string, string> Options = new()
    {
        ["--dir"] = "dir", ["--algorithm"] = "algorithm", ["--days"] = "days", ["--not-before"] = "not-before",
        ["--cn"] = "cn", ["--name"] = "name", ["--ip"] = "ip", ["--group"] = "group", ["--out"] = "out", ["--host"] = "host",
    };

    private static readonly Dictionary<string, string> Flags = new() { ["-h"] = "help", ["--help"] = "help" };

    public static int Run(string[] args, TextWriter stdout, TextWriter stderr, TimeProvider time, Func<string, string?> environment)
    {
        try
        {
            if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
            {
                stdout.WriteLine(Usage);
                return args.Length == 0 ? 2 : 0;
            }
            var a = new CommandArguments(args[1..], Options, Flags);
            if (a.Has("help"))
            {
                stdout.WriteLine(Usage);
                return 0;
            }
            string dir = Path.GetFullPath(a.Single("dir") ?? NonEmpty(environment("MOAT_PKI_DIR")) ?? DefaultDirectory);
            var now = time.GetUtcNow();
            switch (args[0])
            {
                case "init": return Init(a, dir, now, stdout);
                case "server": return Server(a, dir, now, stdout);
                case "client": return Client(a, dir, now, stdout);
                case "list": return List(a, dir, now, stdout);
                case "revoke": return Revoke(a, dir, now, stdout);
                case "crl": return Crl(a, dir, now, stdout);
                default: throw new UsageException($"unknown pki command \"{args[0]}\" (see `moat pki --help`)");
            }
        }
        catch (UsageException e)
        {
            stderr.WriteLine($"moat pki: {e.Message}");
            return 2;
        }
        catch (PkiException e)
        {
            stderr.WriteLine($"moat pki: {e.Message}");
            return 1;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            stderr.WriteLine($"moat pki: {e.Message}");
            return 1;
        }
    }

    private static int Init(CommandArguments a, string dir, DateTimeOffset now, TextWriter stdout)
    {
        NoPositionals(a, "init");
        var options = new CaOptions
        {
            CommonName = a.Single("cn") ?? "Moat CA",
            Algorithm = Algorithm(a),
            Days = a.Int("days", 3650),
            NotBefore = a.Time("not-before"),
        };
        using var ca = CertificateAuthority.Init(dir, options, now);
        stdout.WriteLine($"Made CA \"{options.CommonName}\" ({KeyAlgorithmNames.Name(options.Algorithm)}, serial {ca.Certificate.SerialNumber}, valid until {Date(ca.Certificate.NotAfter)}) in {dir}:");
        stdout.WriteLine($"  {ca.CaCertificatePath}   the CA certificate (give it to clients and to moatd as tlscacert)");
        stdout.WriteLine($"  {Path.Combine(dir, CertificateAuthority.CaKeyFile)}   the CA key: keep it here, back it up offline");
        stdout.WriteLine($"  {ca.CrlPath}   the revocation list (moatd's tlscrl)");
        stdout.WriteLine();
        stdout.WriteLine($"Next: moat pki server --name HOST [--ip IP] --dir {dir}");
        return 0;
    }

    private static int Server(CommandArguments a, string dir, DateTimeOffset now, TextWriter stdout)
    {
        NoPositionals(a, "server");
        var names = a.All("name");
        if (names.Count == 0) throw new UsageException("server needs --name HOST (the name clients use to reach the daemon)");
        using var ca = CertificateAuthority.Open(dir);
        var issued = ca.IssueServer(new ServerCertificateOptions
        {
            DnsNames = names,
            IpAddresses = a.All("ip"),
            Algorithm = Algorithm(a),
            Days = a.Int("days", 825),
            NotBefore = a.Time("not-before"),
        }, now);
        string outDir = Path.GetFullPath(a.Single("out") ?? dir);
        var (cert, key, caFile) = CertificateAuthority.WriteServerFiles(issued, outDir, ca.CaPem());
        stdout.WriteLine($"Made server certificate for {string.Join(", ", issued.Record.AlternativeNames)} (serial {issued.Record.Serial}, valid until {Date(issued.Certificate.NotAfter)}):");
        stdout.WriteLine($"  {cert}");
        stdout.WriteLine($"  {key}");
        stdout.WriteLine();
        stdout.WriteLine("Put this in /etc/docker/daemon.json (moatd reads crl.pem again whenever it changes):");
        stdout.WriteLine(DaemonJson(caFile, cert, key, ca.CrlPath, a.All("ip").FirstOrDefault()));
        stdout.WriteLine();
        stdout.WriteLine($"Next, for each person: moat pki client NAME --group GROUP --out DIR --dir {dir}");
        return 0;
    }

    internal static string DaemonJson(string ca, string cert, string key, string crl, string? ip)
    {
        string listen = ip is null ? "0.0.0.0" : ip.Contains(':') ? $"[{ip}]" : ip;
        return $$"""
            {
              "tlsverify": true,
              "tlscacert": "{{Json(ca)}}",
              "tlscert": "{{Json(cert)}}",
              "tlskey": "{{Json(key)}}",
              "tlscrl": "{{Json(crl)}}",
              "hosts": ["unix:///var/run/docker.sock", "tcp://{{listen}}:{{DefaultTlsPort}}"]
            }
            """;
    }

    private static int Client(CommandArguments a, string dir, DateTimeOffset now, TextWriter stdout)
    {
        if (a.Positionals.Count != 1) throw new UsageException("client needs exactly one NAME (the user's name, becomes the certificate's CN)");
        string outDir = Path.GetFullPath(a.Single("out") ?? throw new UsageException("client needs --out DIR (where ca.pem, cert.pem and key.pem go)"));
        using var ca = CertificateAuthority.Open(dir);
        string host = a.Single("host")
            ?? ca.Index.Certificates.LastOrDefault(c => c.Kind == "server" && c.RevokedAt is null)?.Name
            ?? "HOST";
        if (!host.Contains(':') || host.StartsWith('[') && host.EndsWith(']')) host = $"{host}:{DefaultTlsPort}";
        // Refuse before issuing, so a failed write does not leave an issued certificate nobody has.
        foreach (var existing in new[] { "cert.pem", "key.pem" })
            if (File.Exists(Path.Combine(outDir, existing)))
                throw new PkiException($"{Path.Combine(outDir, existing)} already exists; choose another --out or remove it");
        var issued = ca.IssueClient(new ClientCertificateOptions
        {
            Name = a.Positionals[0],
            Groups = a.All("group"),
            Algorithm = Algorithm(a),
            Days = a.Int("days", 365),
            NotBefore = a.Time("not-before"),
        }, now);
        CertificateAuthority.WriteClientFiles(issued, outDir, ca.CaPem());
        string groups = issued.Record.Groups.Count == 0 ? "no groups" : "groups " + string.Join(", ", issued.Record.Groups);
        stdout.WriteLine($"Made client certificate for \"{issued.Record.Name}\" ({groups}; serial {issued.Record.Serial}, valid until {Date(issued.Certificate.NotAfter)}) in {outDir}:");
        stdout.WriteLine($"  ca.pem, cert.pem, key.pem (key.pem is the person's secret: hand the directory over privately, e.g. `chown -R {issued.Record.Name}: {outDir}`)");
        stdout.WriteLine();
        stdout.WriteLine("Use it with a docker context:");
        stdout.WriteLine($"  docker context create {ContextName(host)} --docker \"host=tcp://{host},ca={outDir}/ca.pem,cert={outDir}/cert.pem,key={outDir}/key.pem\"");
        stdout.WriteLine($"  docker context use {ContextName(host)}");
        stdout.WriteLine("or with environment variables:");
        stdout.WriteLine($"  export DOCKER_HOST=tcp://{host}");
        stdout.WriteLine("  export DOCKER_TLS_VERIFY=1");
        stdout.WriteLine($"  export DOCKER_CERT_PATH={outDir}");
        return 0;
    }

    private static int List(CommandArguments a, string dir, DateTimeOffset now, TextWriter stdout)
    {
        NoPositionals(a, "list");
        using var ca = CertificateAuthority.Open(dir);
        var rows = new List<string[]> { new[] { "SERIAL", "KIND", "SUBJECT", "GROUPS", "NOT AFTER", "REVOKED" } };
        foreach (var c in ca.Index.Certificates)
        {
            string revoked = c.RevokedAt is { } r ? Date(r.UtcDateTime) : c.NotAfter < now ? "no (expired)" : "no";
            rows.Add([c.Serial, c.Kind, c.Subject, c.Groups.Count == 0 ? "-" : string.Join(",", c.Groups), Date(c.NotAfter.UtcDateTime), revoked]);
        }
        var widths = Enumerable.Range(0, rows[0].Length).Select(i => rows.Max(r => r[i].Length)).ToArray();
        foreach (var row in rows)
            stdout.WriteLine(string.Join("   ", row.Select((cell, i) => i == row.Length - 1 ? cell : cell.PadRight(widths[i]))).TrimEnd());
        return 0;
    }

    private static int Revoke(CommandArguments a, string dir, DateTimeOffset now, TextWriter stdout)
    {
        if (a.Positionals.Count != 1) throw new UsageException("revoke needs exactly one NAME or SERIAL (see `moat pki list`)");
        using var ca = CertificateAuthority.Open(dir);
        var revoked = ca.Revoke(a.Positionals[0], now);
        foreach (var r in revoked) stdout.WriteLine($"Revoked {r.Kind} certificate \"{r.Name}\" (serial {r.Serial})");
        stdout.WriteLine($"Wrote {ca.CrlPath} (CRL number {ca.Index.CrlNumber}); moatd refuses these certificates from the next connection on.");
        return 0;
    }

    private static int Crl(CommandArguments a, string dir, DateTimeOffset now, TextWriter stdout)
    {
        NoPositionals(a, "crl");
        using var ca = CertificateAuthority.Open(dir);
        ca.WriteCrl(now);
        stdout.WriteLine($"Wrote {ca.CrlPath} (CRL number {ca.Index.CrlNumber}, valid until {Date(now.Add(CertificateAuthority.CrlValidity).UtcDateTime)})");
        return 0;
    }

    private static KeyAlgorithm Algorithm(CommandArguments a) =>
        a.Single("algorithm") is { } name ? KeyAlgorithmNames.Parse(name) : KeyAlgorithm.EcdsaP256;

    private static void NoPositionals(CommandArguments a, string command)
    {
        if (a.Positionals.Count > 0) throw new UsageException($"{command} takes no argument \"{a.Positionals[0]}\"");
    }

    private static string ContextName(string host)
    {
        string name = host.Split(':')[0].Trim('[', ']');
        return "moat-" + new string(name.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '-').ToArray());
    }

    private static string Date(DateTime t) => t.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static string Json(string s) => s.Replace("\\", "\\\\").Replace("\"", "\\\"");

    private static string? NonEmpty(string? s) => string.IsNullOrEmpty(s) ? null : s;
}
