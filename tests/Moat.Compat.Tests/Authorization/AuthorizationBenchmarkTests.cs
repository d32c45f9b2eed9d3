using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using Moat.Compat.Tests.Infrastructure;

namespace Moat.Compat.Tests.Authorization;

/// <summary>
/// Authorization plus audit must cost at most 5% of throughput: 8 keep-alive connections hammer the same
/// request on a daemon without a policy and on one with a policy and audit log, in alternating rounds.
/// </summary>
public sealed class AuthorizationBenchmarkTests(ITestOutputHelper output)
{
    private const int Connections = 8;
    private static readonly TimeSpan Round = TimeSpan.FromSeconds(1.5);

    [Fact]
    public async Task Throughput_WithPolicyAndAudit_WithinFivePercentOfNoPolicy()
    {
        using var dir = new TempDir("moat-bench");
        File.WriteAllText(dir.Combine("policy.json"), """{"bindings":[{"role":"viewer","groups":["root"]}]}""");
        string config = $$"""{"authorization-policy": "{{dir.Combine("policy.json")}}", "audit-log": "{{dir.Combine("audit.log")}}"}""";
        await using var open = await MoatDaemon.StartAsync();
        await using var secured = await MoatDaemon.StartAsync(config);

        // Warm up both (JIT-free AOT binaries, but connection setup and page cache still matter).
        _ = await MeasureAsync(open.SocketPath, TimeSpan.FromMilliseconds(500));
        _ = await MeasureAsync(secured.SocketPath, TimeSpan.FromMilliseconds(500));

        // The machine is shared: other processes steal CPU at random. Best-of-rounds estimates each daemon's
        // capacity; a whole attempt is repeated (at most three times) before a real regression is declared.
        double ratio = 0, best = 0, bestSecured = 0;
        for (int attempt = 1; attempt <= 3 && ratio < 0.95; attempt++)
        {
            var openRates = new List<double>();
            var securedRates = new List<double>();
            long openRequests = 0, securedRequests = 0, openCpu = 0, securedCpu = 0;
            for (int i = 0; i < 5; i++)
            {
                long cpu = CpuTicks(open.Pid);
                var (rate, count) = await MeasureAsync(open.SocketPath, Round);
                openCpu += CpuTicks(open.Pid) - cpu;
                openRates.Add(rate);
                openRequests += count;
                cpu = CpuTicks(secured.Pid);
                (rate, count) = await MeasureAsync(secured.SocketPath, Round);
                securedCpu += CpuTicks(secured.Pid) - cpu;
                securedRates.Add(rate);
                securedRequests += count;
            }
            // Daemon CPU per request is far less sensitive to the neighbours than throughput is.
            output.WriteLine($"daemon CPU per request: no policy {10_000.0 * openCpu / openRequests:F1} µs, policy+audit {10_000.0 * securedCpu / securedRequests:F1} µs");
            best = openRates.Max();
            bestSecured = securedRates.Max();
            ratio = bestSecured / best;
            output.WriteLine($"attempt {attempt}: no policy {string.Join(", ", openRates.Select(r => r.ToString("F0")))} req/s; policy+audit {string.Join(", ", securedRates.Select(r => r.ToString("F0")))} req/s; ratio (best of 5) {ratio:F3}");
        }

        int audited = File.ReadLines(dir.Combine("audit.log")).Count();
        Assert.True(audited > 1000, $"only {audited} audit entries");
        Assert.True(ratio >= 0.95, $"policy+audit {bestSecured:F0} req/s vs {best:F0} req/s without policy");
    }

    /// <summary>utime + stime of a process in clock ticks (1/100 s).</summary>
    private static long CpuTicks(int pid)
    {
        string stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return long.Parse(fields[11]) + long.Parse(fields[12]);
    }

    private static async Task<(double Rate, long Count)> MeasureAsync(string socketPath, TimeSpan duration)
    {
        long total = 0;
        var stopwatch = Stopwatch.StartNew();
        var deadline = DateTime.UtcNow + duration;
        await Task.WhenAll(Enumerable.Range(0, Connections).Select(async _ =>
        {
            using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath));
            byte[] request = Encoding.ASCII.GetBytes("GET /v1.50/version HTTP/1.1\r\nHost: api.moby.localhost\r\n\r\n");
            var buffer = new byte[16 * 1024];
            long count = 0;
            while (DateTime.UtcNow < deadline)
            {
                await socket.SendAsync(request);
                await ReadResponseAsync(socket, buffer);
                count++;
            }
            Interlocked.Add(ref total, count);
        }));
        return (total / stopwatch.Elapsed.TotalSeconds, total);
    }

    private static async Task ReadResponseAsync(Socket socket, byte[] buffer)
    {
        int filled = 0;
        while (true)
        {
            int n = await socket.ReceiveAsync(buffer.AsMemory(filled));
            if (n == 0) throw new IOException("connection closed");
            filled += n;
            string text = Encoding.Latin1.GetString(buffer, 0, filled);
            int split = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
            if (split < 0) continue;
            int lengthAt = text.IndexOf("Content-Length: ", StringComparison.OrdinalIgnoreCase);
            if (lengthAt < 0 || lengthAt > split) throw new IOException("response without Content-Length");
            int end = text.IndexOf("\r\n", lengthAt, StringComparison.Ordinal);
            int length = int.Parse(text[(lengthAt + 16)..end]);
            if (!text.StartsWith("HTTP/1.1 200", StringComparison.Ordinal)) throw new IOException(text[..split]);
            if (filled >= split + 4 + length) return;
        }
    }
}
