using Microsoft.Extensions.Logging;

namespace Farm.Builds;

internal sealed partial class ResolveBuildJob
{
    private static partial class Log
    {
        [LoggerMessage(EventId = 501, Level = LogLevel.Debug, Message = "build {BuildId} resolved: read {ReadMs:F1} ms, checkout {CheckoutMs:F1} ms, plan and enqueue {PlanMs:F1} ms")]
        public static partial void Resolved(ILogger logger, string buildId, double readMs, double checkoutMs, double planMs);
    }
}
