using Microsoft.Extensions.Logging;

namespace Farm.Worker.Cli;

/// <summary>What <c>worker serve</c> logs while it runs (its start-up refusals are CLI messages on stderr).</summary>
internal static partial class ServeLog
{
    [LoggerMessage(EventId = 601, Level = LogLevel.Warning, Message = "worker {Worker}: heartbeat failed; the farm counts this worker lost after Farm__Workers__DeadAfterSeconds without one")]
    public static partial void HeartbeatFailed(ILogger logger, Exception exception, string worker);
}
