using Microsoft.Extensions.Logging;

namespace Farm.Core.Builds;

public sealed partial class JobFailureFilter
{
    private static partial class Log
    {
        [LoggerMessage(EventId = 501, Level = LogLevel.Error, Message = "job {JobId} ({JobType}) failed for good, and recording it failed too; the build's deadline ends it")]
        public static partial void RecordingFailed(ILogger logger, Exception exception, string jobId, string jobType);
    }
}
