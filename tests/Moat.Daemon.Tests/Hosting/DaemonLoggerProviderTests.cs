using System.Text.Json;
using Moat.Daemon.Configuration;
using Microsoft.Extensions.Logging;
using Moat.Daemon.Hosting.Logging;

namespace Moat.Daemon.Tests.Hosting;

public sealed partial class DaemonLoggerProviderTests
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Warning, Message = "listening on {Address}")]
#pragma warning disable SYSLIB1015
    private static partial void Listening(ILogger logger, string address, string host);
#pragma warning restore SYSLIB1015

    [Fact]
    public void Text_IsLogrusStyle_WithExtraArgumentsAsFields()
    {
        var output = new StringWriter();
        var logger = new DaemonLoggerProvider(new LogLevelSwitch(LogLevel.Information), "text", output).CreateLogger("Moat.X");

        Listening(logger, "/run/docker.sock", "tcp://0.0.0.0:2375");

        Assert.Matches("""^time="\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}Z" level=warning msg="listening on /run/docker.sock" host="tcp://0.0.0.0:2375"\r?\n$""", output.ToString());
    }

    [Fact]
    public void Json_IsOneObjectPerLine()
    {
        var output = new StringWriter();
        var logger = new DaemonLoggerProvider(new LogLevelSwitch(LogLevel.Information), "json", output).CreateLogger("Moat.X");

        Listening(logger, "a \"quoted\" path", "h");

        using var doc = JsonDocument.Parse(output.ToString());
        Assert.Equal("warning", doc.RootElement.GetProperty("level").GetString());
        Assert.Equal("listening on a \"quoted\" path", doc.RootElement.GetProperty("msg").GetString());
        Assert.Equal("h", doc.RootElement.GetProperty("host").GetString());
    }

    [Fact]
    public void Level_FiltersAndCanChangeAtRunTime()
    {
        var output = new StringWriter();
        var level = new LogLevelSwitch(LogLevel.Information);
        var logger = new DaemonLoggerProvider(level, "text", output).CreateLogger("Moat.X");

        logger.LogDebug("hidden");
        level.Level = new DaemonSettings { Debug = true }.MinimumLogLevel;
        logger.LogDebug("shown");

        Assert.DoesNotContain("hidden", output.ToString());
        Assert.Contains("level=debug msg=shown", output.ToString());
    }
}
