using Farm.Cache.Stats;
using Farm.Core.Builds;
using Farm.Worker.Jobs;
using Microsoft.Extensions.Logging;

namespace Farm.Worker.Telemetry;

/// <summary>
/// One line in the worker's own log per target it finished (the operator's view; the build log is the user's), then
/// hands the event on to <paramref name="next"/> (the metrics).
/// </summary>
public sealed partial class TargetActivityLog(ILogger logger, ITargetObserver next) : ITargetObserver
{
    public void CacheCounted(CacheStatistics statistics) => next.CacheCounted(statistics);

    public void Finished(string buildId, string name, string queue, TargetOutcome outcome)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        if (logger.IsEnabled(LogLevel.Information))
        {
            var state = outcome.State.Name();
            TargetFinished(logger, buildId, name, queue, state, outcome.BuildSeconds, outcome.BootSeconds, outcome.Cached, outcome.Reason);
        }

        next.Finished(buildId, name, queue, outcome);
    }

    [LoggerMessage(EventId = 602, Level = LogLevel.Information, Message = "build {BuildId}: {Target} ({Queue}) {State}; build {BuildSeconds} s, boot {BootSeconds} s, target cache {Cached}; reason: {Reason}")]
    private static partial void TargetFinished(ILogger logger, string buildId, string target, string queue, string state, double? buildSeconds, double? bootSeconds, bool cached, string? reason);
}
