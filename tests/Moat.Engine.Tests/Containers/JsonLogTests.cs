using System.Text;
using Moat.Engine.Containers.Logs;

namespace Moat.Engine.Tests.Containers;

public sealed class JsonLogTests
{
    private static async Task<List<LogEntry>> ReadAll(string path, LogReadOptions options, Task? stop = null)
    {
        var list = new List<LogEntry>();
        await foreach (var e in JsonLogReader.ReadAsync(path, options, stop ?? Task.CompletedTask, TestContext.Current.CancellationToken)) list.Add(e);
        return list;
    }

    private static string Text(IEnumerable<LogEntry> entries) => string.Concat(entries.Select(e => Encoding.UTF8.GetString(e.Line)));

    [Fact]
    public async Task Read_FiltersStreamsTailAndTime()
    {
        using var dir = new ContainerTestDir();
        string path = Path.Combine(dir.Path, "c-json.log");
        var t0 = new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);
        using (var writer = new JsonLogWriter(path))
        {
            for (int i = 0; i < 5; i++)
            {
                writer.Write(LogStream.Stdout, t0.AddSeconds(i), Encoding.UTF8.GetBytes($"out{i}\n"));
                writer.Write(LogStream.Stderr, t0.AddSeconds(i), Encoding.UTF8.GetBytes($"err{i}\n"));
            }
        }
        Assert.StartsWith("{\"log\":\"out0\\n\",\"stream\":\"stdout\",\"time\":\"2024-01-01T00:00:00Z\"}", File.ReadAllText(path));

        Assert.Equal(10, (await ReadAll(path, new())).Count);
        Assert.Equal("out0\nout1\nout2\nout3\nout4\n", Text(await ReadAll(path, new() { Stderr = false })));
        Assert.Equal("out4\nerr4\n", Text(await ReadAll(path, new() { Tail = 2 })));
        Assert.Equal("out3\nout4\n", Text(await ReadAll(path, new() { Stderr = false, Since = t0.AddSeconds(3) })));
        Assert.Equal("err0\n", Text(await ReadAll(path, new() { Stdout = false, Until = t0.AddSeconds(0.5) })));
        Assert.Empty(await ReadAll(path, new() { Tail = 0 }));
    }

    [Fact]
    public async Task Write_RotatesAndReaderSeesRotatedFiles()
    {
        using var dir = new ContainerTestDir();
        string path = Path.Combine(dir.Path, "r-json.log");
        using (var writer = new JsonLogWriter(path, new Dictionary<string, string> { ["max-size"] = "1k", ["max-file"] = "3" }))
            for (int i = 0; i < 100; i++)
                writer.Write(LogStream.Stdout, DateTimeOffset.UtcNow, Encoding.UTF8.GetBytes($"line{i:D3}\n"));
        Assert.True(File.Exists(path + ".1"));
        Assert.True(File.Exists(path + ".2"));
        Assert.False(File.Exists(path + ".3"));
        Assert.True(new FileInfo(path).Length <= 1024);
        var lines = Text(await ReadAll(path, new())).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("line099", lines[^1]);
        Assert.Equal(lines.OrderBy(l => l, StringComparer.Ordinal), lines);
    }

    [Fact]
    public async Task Follow_SeesNewLinesAndEndsAfterStop()
    {
        using var dir = new ContainerTestDir();
        string path = Path.Combine(dir.Path, "f-json.log");
        using var writer = new JsonLogWriter(path);
        writer.Write(LogStream.Stdout, DateTimeOffset.UtcNow, "old\n"u8);
        var stop = new TaskCompletionSource();
        var reading = ReadAll(path, new() { Follow = true, Tail = 0 }, stop.Task);
        await Task.Delay(100, TestContext.Current.CancellationToken);
        writer.Write(LogStream.Stdout, DateTimeOffset.UtcNow, "new\n"u8);
        await Task.Delay(100, TestContext.Current.CancellationToken);
        writer.Write(LogStream.Stderr, DateTimeOffset.UtcNow, "last\n"u8);
        stop.SetResult();
        var entries = await reading.WaitAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken);
        Assert.Equal("new\nlast\n", Text(entries));
    }

    [Theory]
    [InlineData("1k", 1024)]
    [InlineData("10m", 10 * 1024 * 1024)]
    [InlineData("2g", 2L * 1024 * 1024 * 1024)]
    [InlineData("500", 500)]
    public void ParseSize_DockerUnits(string text, long expected) => Assert.Equal(expected, JsonLogWriter.ParseSize(text));
}
