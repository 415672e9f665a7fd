using Microsoft.Extensions.Logging;

namespace Farm.Builds;

internal sealed partial class BuildDeadlines
{
    private static partial class Log
    {
        [LoggerMessage(EventId = 101, Level = LogLevel.Warning, Message = "build {BuildId}: failed, past its deadline")]
        public static partial void Expired(ILogger logger, string buildId);

        [LoggerMessage(EventId = 102, Level = LogLevel.Error, Message = "checking build deadlines failed; trying again at the next check")]
        public static partial void CheckFailed(ILogger logger, Exception exception);
    }
}
