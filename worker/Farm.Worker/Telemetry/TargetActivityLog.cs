using System.Globalization;
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
            var work = Work(outcome);
            TargetFinished(logger, buildId, name, queue, state, work, outcome.Reason ?? "none");
        }

        next.Finished(buildId, name, queue, outcome);
    }

    /// <summary>What the target cost: a target-cache hit has no build or boot time, and a target that stopped early has only some.</summary>
    internal static string Work(TargetOutcome outcome)
    {
        if (outcome.Cached)
            return "served by the target cache";
        var parts = new List<string>(2);
        if (outcome.BuildSeconds is { } build)
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"build {build:0.00} s"));
        if (outcome.BootSeconds is { } boot)
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"boot {boot:0.00} s"));
        return parts.Count == 0 ? "not built" : string.Join(", ", parts);
    }

    [LoggerMessage(EventId = 602, Level = LogLevel.Information, Message = "build {BuildId}: {Target} ({Queue}) {State}; {Work}; reason: {Reason}")]
    private static partial void TargetFinished(ILogger logger, string buildId, string target, string queue, string state, string work, string reason);
}
