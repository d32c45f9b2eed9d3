using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;

// moat-bench start  <runs> <socket> -- <moatd command…>   → median ms from exec to the first 200 on /_ping
// moat-bench rss    <socket> <settle-ms> -- <moatd command…> → VmRSS in KiB, settle-ms after ready
// moat-bench load   unix <socket> <connections> <seconds>   → req/s of GET /_ping with keep-alive
// moat-bench wait   <socket>  → exit 0 once /_ping answers;  moat-bench port → a free loopback port
// moat-bench load   tls <port> <ca> <cert> <key> <connections> <seconds>
// moat-bench ab     <socketA> <socketB> <connections> <pairs> <seconds>
//                   → one line per pair, "reqA/s reqB/s": one warmed-up client measures both daemons back to back,
//                     alternating which goes first (ABBA…), so that both halves of a pair see the same machine
return args.Length == 0 ? Usage() : args[0] switch
{
    "start" => await Start(args),
    "rss" => await Rss(args),
    "load" => await Load(args),
    "ab" => await AB(args),
    "wait" => await Wait(args[1]),
    "port" => Port(),
    _ => Usage(),
};

static async Task<int> Wait(string socketPath)
{
    for (int i = 0; i < 800; i++)
    {
        if (File.Exists(socketPath) && await PingOnce(socketPath)) return 0;
        await Task.Delay(25);
    }
    return 1;
}

static int Port()
{
    using var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
    s.Bind(new IPEndPoint(IPAddress.Loopback, 0));
    Console.WriteLine(((IPEndPoint)s.LocalEndPoint!).Port);
    return 0;
}

static int Usage()
{
    Console.Error.WriteLine("usage: moat-bench start|rss|load …");
    return 2;
}

static string[] Command(string[] args) => args.SkipWhile(a => a != "--").Skip(1).ToArray();

static Process Launch(string[] command)
{
    var psi = new ProcessStartInfo(command[0]) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
    foreach (var a in command.Skip(1)) psi.ArgumentList.Add(a);
    var p = Process.Start(psi)!;
    p.BeginErrorReadLine();
    p.BeginOutputReadLine();
    return p;
}

static async Task<bool> PingOnce(string socketPath)
{
    try
    {
        using var s = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await s.ConnectAsync(new UnixDomainSocketEndPoint(socketPath));
        await s.SendAsync("GET /_ping HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"u8.ToArray());
        var buf = new byte[256];
        int n = await s.ReceiveAsync(buf);
        return n > 12 && Encoding.ASCII.GetString(buf, 0, 12) == "HTTP/1.1 200";
    }
    catch (SocketException) { return false; }
}

static async Task<double> TimeToReady(string socketPath, Process p, Stopwatch sw)
{
    while (sw.Elapsed < TimeSpan.FromSeconds(20))
    {
        if (p.HasExited) throw new InvalidOperationException($"moatd exited with {p.ExitCode}");
        if (File.Exists(socketPath) && await PingOnce(socketPath)) return sw.Elapsed.TotalMilliseconds;
        await Task.Delay(1);
    }
    throw new TimeoutException("moatd did not become ready");
}

static async Task Stop(Process p)
{
    if (!p.HasExited) { p.Kill(false); }
    await p.WaitForExitAsync();
}

static async Task<int> Start(string[] args)
{
    int runs = int.Parse(args[1], CultureInfo.InvariantCulture);
    string socket = args[2];
    var samples = new List<double>();
    for (int i = 0; i < runs; i++)
    {
        var sw = Stopwatch.StartNew();
        var p = Launch(Command(args));
        samples.Add(await TimeToReady(socket, p, sw));
        await Stop(p);
        File.Delete(socket);
    }
    samples.Sort();
    Console.WriteLine(samples[samples.Count / 2].ToString("F1", CultureInfo.InvariantCulture));
    return 0;
}

static async Task<int> Rss(string[] args)
{
    string socket = args[1];
    int settle = int.Parse(args[2], CultureInfo.InvariantCulture);
    var p = Launch(Command(args));
    await TimeToReady(socket, p, Stopwatch.StartNew());
    await Task.Delay(settle);
    string status = File.ReadAllText($"/proc/{p.Id}/status");
    string line = status.Split('\n').First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
    Console.WriteLine(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]);
    await Stop(p);
    return 0;
}

static async Task<int> Load(string[] args)
{
    bool tls = args[1] == "tls";
    int connections = int.Parse(args[tls ? 6 : 3], CultureInfo.InvariantCulture);
    double seconds = double.Parse(args[tls ? 7 : 4], CultureInfo.InvariantCulture);
    Func<Task<Stream>> connect = tls ? () => ConnectTls(int.Parse(args[2], CultureInfo.InvariantCulture), args[3], args[4], args[5]) : () => ConnectUnix(args[2]);

    var streams = new List<Stream>();
    for (int i = 0; i < connections; i++) streams.Add(await connect());
    // Warm up, then measure.
    using (var warm = new CancellationTokenSource(TimeSpan.FromSeconds(1)))
        await Task.WhenAll(streams.Select(s => Loop(s, warm.Token)));
    using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
    var sw = Stopwatch.StartNew();
    long[] counts = await Task.WhenAll(streams.Select(s => Loop(s, cts.Token)));
    double rate = counts.Sum() / sw.Elapsed.TotalSeconds;
    Console.WriteLine(rate.ToString("F0", CultureInfo.InvariantCulture));
    foreach (var s in streams) await s.DisposeAsync();
    return 0;
}

static async Task<int> AB(string[] args)
{
    int connections = int.Parse(args[3], CultureInfo.InvariantCulture);
    int pairs = int.Parse(args[4], CultureInfo.InvariantCulture);
    double seconds = double.Parse(args[5], CultureInfo.InvariantCulture);
    var a = new List<Stream>();
    var b = new List<Stream>();
    for (int i = 0; i < connections; i++)
    {
        a.Add(await ConnectUnix(args[1]));
        b.Add(await ConnectUnix(args[2]));
    }
    // Warm up the client's JIT and both daemons before the first pair.
    await Rate(a, 1.5);
    await Rate(b, 1.5);
    await Rate(a, 0.5);
    for (int pair = 0; pair < pairs; pair++)
    {
        double ra, rb;
        if (pair % 2 == 0) { ra = await Rate(a, seconds); rb = await Rate(b, seconds); }
        else { rb = await Rate(b, seconds); ra = await Rate(a, seconds); }
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{ra:F0} {rb:F0}"));
    }
    foreach (var s in a.Concat(b)) await s.DisposeAsync();
    return 0;
}

// Requests per second over the connections for about `seconds`; each connection finishes its request in flight, so
// the connections stay usable for the next measurement.
static async Task<double> Rate(List<Stream> streams, double seconds)
{
    using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
    var sw = Stopwatch.StartNew();
    long[] counts = await Task.WhenAll(streams.Select(s => Loop(s, stop.Token, finishInFlight: true)));
    return counts.Sum() / sw.Elapsed.TotalSeconds;
}

static async Task<Stream> ConnectUnix(string path)
{
    var s = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
    await s.ConnectAsync(new UnixDomainSocketEndPoint(path));
    return new NetworkStream(s, ownsSocket: true);
}

static async Task<Stream> ConnectTls(int port, string ca, string cert, string key)
{
    var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
    await s.ConnectAsync(IPAddress.Loopback, port);
    var root = X509Certificate2.CreateFromPem(File.ReadAllText(ca));
    var ssl = new SslStream(new NetworkStream(s, ownsSocket: true));
    await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
    {
        TargetHost = "localhost",
        ClientCertificates = [X509Certificate2.CreateFromPemFile(cert, key)],
        RemoteCertificateValidationCallback = (_, c, _, _) =>
        {
            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.Add(root);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            return c is not null && chain.Build(new X509Certificate2(c));
        },
    });
    return ssl;
}

// One request at a time per connection (HTTP/1.1 keep-alive, no pipelining), as the docker CLI does.
static async Task<long> Loop(Stream stream, CancellationToken token, bool finishInFlight = false)
{
    var io = finishInFlight ? CancellationToken.None : token;
    // MOAT_BENCH_PATH picks another GET endpoint (e.g. /v1.51/containers/json for the authorization cost).
    string path = Environment.GetEnvironmentVariable("MOAT_BENCH_PATH") ?? "/_ping";
    byte[] request = Encoding.ASCII.GetBytes($"GET {path} HTTP/1.1\r\nHost: localhost\r\n\r\n");
    var buffer = new byte[16 * 1024];
    long done = 0;
    try
    {
        while (!token.IsCancellationRequested)
        {
            await stream.WriteAsync(request, io);
            int filled = 0;
            while (true)
            {
                int n = await stream.ReadAsync(buffer.AsMemory(filled), io);
                if (n == 0) throw new IOException("closed");
                filled += n;
                int end = IndexOf(buffer, filled, "\r\n\r\n"u8);
                if (end < 0) continue;
                int length = ContentLength(buffer, end);
                if (filled >= end + 4 + length) break;
            }
            done++;
        }
    }
    catch (OperationCanceledException) { }
    return done;
}

static int IndexOf(byte[] buffer, int count, ReadOnlySpan<byte> needle) => buffer.AsSpan(0, count).IndexOf(needle);

static int ContentLength(byte[] buffer, int headerEnd)
{
    string head = Encoding.ASCII.GetString(buffer, 0, headerEnd);
    int i = head.IndexOf("Content-Length:", StringComparison.OrdinalIgnoreCase);
    if (i < 0) return 0;
    int eol = head.IndexOf('\r', i);
    return int.Parse(head.AsSpan(i + 15, (eol < 0 ? head.Length : eol) - i - 15).Trim(), CultureInfo.InvariantCulture);
}
