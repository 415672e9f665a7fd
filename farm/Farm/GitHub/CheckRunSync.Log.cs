using Microsoft.Extensions.Logging;

namespace Farm.GitHub;

internal sealed partial class CheckRunSync
{
    private static partial class Log
    {
        [LoggerMessage(EventId = 301, Level = LogLevel.Error, Message = "check runs: the database failed; retrying")]
        public static partial void DatabaseFailed(ILogger logger, Exception exception);

        [LoggerMessage(EventId = 302, Level = LogLevel.Warning, Message = "check runs: {Repository}@{Commit} {CheckRun}: {Reason}; retried at the next sync")]
        public static partial void ReportFailed(ILogger logger, string repository, string commit, string checkRun, string reason);
    }
}
