using Microsoft.Extensions.Logging;

namespace Moat.Engine.Containers;

public sealed partial class ContainerService
{
    private static partial class Log
    {
        [LoggerMessage(EventId = 4001, Level = LogLevel.Warning, Message = "waiting for container {Id} failed")]
        public static partial void WaitFailed(ILogger logger, string id, Exception e);

        [LoggerMessage(EventId = 4002, Level = LogLevel.Warning, Message = "restarting container {Id} failed")]
        public static partial void RestartFailed(ILogger logger, string id, Exception e);

        [LoggerMessage(EventId = 4003, Level = LogLevel.Warning, Message = "auto-removing container {Id} failed")]
        public static partial void AutoRemoveFailed(ILogger logger, string id, Exception e);

        [LoggerMessage(EventId = 4004, Level = LogLevel.Warning, Message = "signalling container {Id} failed")]
        public static partial void KillFailed(ILogger logger, string id, Exception e);

        [LoggerMessage(EventId = 4005, Level = LogLevel.Information, Message = "container {Id}: {What}")]
        public static partial void Recovered(ILogger logger, string id, string what);

        [LoggerMessage(EventId = 4006, Level = LogLevel.Warning, Message = "recovering container {Id} failed")]
        public static partial void RecoverFailed(ILogger logger, string id, Exception e);

        [LoggerMessage(EventId = 4007, Level = LogLevel.Warning, Message = "cleaning up after container {Id} exited failed")]
        public static partial void ReleaseFailed(ILogger logger, string id, Exception e);
    }
}
