using Farm.Worker.Smoke;

namespace Farm.Worker.Pipeline;

/// <summary>
/// What a smoke result means for the target: passed (or not booted, smoke tests off) goes on to publishing; a host
/// that cannot boot the platform makes it skipped with the reason; anything else fails it naming the runner.
/// </summary>
internal sealed record SmokeVerdict(string? FailureReason, string? SkipReason)
{
    public bool Publishes => FailureReason is null && SkipReason is null;

    /// <param name="whyNotServed">Why this worker does not serve the platform, when it does not (the reason <c>farm build</c> gives).</param>
    public static SmokeVerdict Of(SmokeResult smoke, string platform, string architecture, string? whyNotServed)
    {
        ArgumentNullException.ThrowIfNull(smoke);
        return smoke.Status switch
        {
            SmokeStatus.Passed or SmokeStatus.Skipped => new SmokeVerdict(null, null),
            SmokeStatus.Unavailable => new SmokeVerdict(null, whyNotServed ?? $"cannot boot {platform}/{architecture} here ({smoke.Runner}): {smoke.Reason}"),
            _ => new SmokeVerdict($"smoke test failed ({smoke.Runner}): {smoke.Reason}", null),
        };
    }
}
