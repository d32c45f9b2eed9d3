using Moat.Compat.Tests.Infrastructure;

namespace Moat.Compat.Tests.Containers;

/// <summary>One moatd with busybox:latest imported, shared by the tests of a class.</summary>
public sealed class BusyboxDaemonFixture : IAsyncLifetime
{
    private MoatDaemon? _daemon;

    public MoatDaemon Daemon => _daemon ?? throw new InvalidOperationException("not started");

    public async ValueTask InitializeAsync()
    {
        _daemon = await MoatDaemon.StartAsync();
        await BusyboxImage.ImportAsync(_daemon);
    }

    public async ValueTask DisposeAsync()
    {
        if (_daemon is null) return;
        var ids = (await _daemon.DockerAsync("ps", "-aq")).Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        if (ids.Length > 0) await _daemon.DockerAsync(["rm", "-f", "-v", .. ids]);
        await _daemon.DisposeAsync();
    }
}
