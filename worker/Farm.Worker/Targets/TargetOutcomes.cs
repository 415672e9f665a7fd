using Farm.Core.Builds;
using Farm.Worker.Pipeline;

namespace Farm.Worker.Targets;

/// <summary>What the store records for a target from what its pipeline returned.</summary>
internal static class TargetOutcomes
{
    /// <summary>A target that did not succeed: skipped when it was built but this host cannot boot it, else failed; with its figures.</summary>
    public static TargetOutcome NotSucceeded(TargetResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var state = result.SkipReason is not null && result.FailureReason is null ? TargetState.Skipped : TargetState.Failed;
        return WithFigures(new TargetOutcome(state, result.Reason ?? "failed"), result) with
        {
            BootSeconds = result.Smoke?.Elapsed.TotalSeconds,
            LackingCpu = state == TargetState.Skipped ? result.Smoke?.LackingCpu ?? [] : [],
        };
    }

    /// <summary>A published target with the build's figures: boot time only when it was booted.</summary>
    public static TargetOutcome Published(TargetOutcome published, TargetResult result)
    {
        ArgumentNullException.ThrowIfNull(published);
        ArgumentNullException.ThrowIfNull(result);
        return WithFigures(published, result) with
        {
            BootSeconds = result.Smoke is not { } smoke || smoke.Status == Smoke.SmokeStatus.Skipped ? null : Math.Round(smoke.Elapsed.TotalSeconds, 2),
        };
    }

    private static TargetOutcome WithFigures(TargetOutcome outcome, TargetResult result) => outcome with
    {
        BuildSeconds = result.BuildSeconds,
        CacheHits = result.Cache?.Hits ?? 0,
        CacheMisses = result.Cache?.Misses ?? 0,
        CacheErrors = result.Cache?.Tiers.Values.Sum(t => t.Errors) ?? 0,
        CacheTiers = CacheTierFigures.From(result.Cache),
    };
}
