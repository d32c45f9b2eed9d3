using Moat.Compat.Tests.Infrastructure;

namespace Moat.Compat.Tests.Configuration;

/// <summary>
/// moatd runs the workstation GC without background collections, as its csproj asks: the Web SDK defaults to server
/// GC (a heap and a GC thread per core, large gen0 budgets: +10 MiB RSS with 500 containers), and a misspelt property
/// once left that default in place unnoticed.
/// </summary>
public sealed class GcModeTests
{
    [Fact]
    public async Task Moatd_RunsWorkstationGc_NoServerOrBackgroundGcThreads()
    {
        await using var daemon = await MoatDaemon.StartAsync();

        var threads = Directory.GetDirectories($"/proc/{daemon.Pid}/task")
            .Select(task => File.ReadAllText(Path.Combine(task, "comm")).Trim())
            .ToList();

        Assert.Contains(".NET Finalizer", threads); // the names are the runtime's: this would catch a rename
        Assert.DoesNotContain(threads, name => name.StartsWith(".NET Server GC", StringComparison.Ordinal));
        Assert.DoesNotContain(threads, name => name.StartsWith(".NET BGC", StringComparison.Ordinal));
    }
}
