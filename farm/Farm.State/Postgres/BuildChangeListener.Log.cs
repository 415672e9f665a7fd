using Microsoft.Extensions.Logging;

namespace Farm.State.Postgres;

public sealed partial class BuildChangeListener
{
    [LoggerMessage(Level = LogLevel.Information, Message = "listening for build changes on backend {ProcessId} (connection {Count})")]
    private static partial void LogListening(ILogger logger, int processId, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "build change listener lost its connection ({Reason}); watches poll until it reconnects in {RetrySeconds} s")]
    private static partial void LogLost(ILogger logger, string reason, double retrySeconds);
}
