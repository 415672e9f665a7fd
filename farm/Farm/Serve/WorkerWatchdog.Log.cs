using Microsoft.Extensions.Logging;

namespace Farm.Serve;

internal sealed partial class WorkerWatchdog
{
    private static partial class Log
    {
        [LoggerMessage(EventId = 201, Level = LogLevel.Error, Message = "watching workers failed (the database); trying again at the next sweep")]
        public static partial void SweepFailed(ILogger logger, Exception exception);
    }
}
