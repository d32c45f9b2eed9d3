using System.Diagnostics;
using System.Security.Cryptography;
using Moat.Compat.Tests.Infrastructure;

namespace Moat.Compat.Tests.Streams;

/// <summary>Runs the docker CLI with generated stdin streamed in and stdout hashed as it arrives (nothing held in memory).</summary>
public static class StreamingDocker
{
    public sealed record Result(int ExitCode, string InputSha256, string OutputSha256, long OutputBytes, string Stderr);

    /// <summary>Writes <paramref name="bytes"/> of seeded pseudo-random data to the CLI's stdin, then closes it.</summary>
    public static async Task<Result> PipeAsync(MoatDaemon daemon, long bytes, TimeSpan timeout, params string[] args)
    {
        var psi = new ProcessStartInfo(DockerCli.DockerPath)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add("-H");
        psi.ArgumentList.Add(daemon.Host);
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["DOCKER_CONFIG"] = Path.Combine(daemon.Dir.Path, "cli-config");
        using var process = Process.Start(psi)!;
        using var cts = new CancellationTokenSource(timeout);
        var writer = Task.Run(async () =>
        {
            using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            var random = new Random(20261129);
            var block = new byte[256 * 1024];
            var stdin = process.StandardInput.BaseStream;
            for (long left = bytes; left > 0;)
            {
                int n = (int)Math.Min(block.Length, left);
                random.NextBytes(block.AsSpan(0, n));
                sha.AppendData(block, 0, n);
                await stdin.WriteAsync(block.AsMemory(0, n), cts.Token);
                left -= n;
            }
            stdin.Close();
            return Convert.ToHexStringLower(sha.GetHashAndReset());
        });
        var reader = Task.Run(async () =>
        {
            using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            var buffer = new byte[256 * 1024];
            long total = 0;
            int n;
            while ((n = await process.StandardOutput.BaseStream.ReadAsync(buffer, cts.Token)) > 0)
            {
                sha.AppendData(buffer, 0, n);
                total += n;
            }
            return (Convert.ToHexStringLower(sha.GetHashAndReset()), total);
        });
        var stderr = process.StandardError.ReadToEndAsync(cts.Token);
        try
        {
            await process.WaitForExitAsync(cts.Token);
            string inSha = await writer;
            var (outSha, total) = await reader;
            return new Result(process.ExitCode, inSha, outSha, total, await stderr);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"docker {string.Join(' ', args)} did not finish within {timeout}");
        }
    }
}
