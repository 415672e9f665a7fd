using Farm.Worker.Images;
using Farm.Worker.Smoke;

namespace Farm.Worker.Pipeline;

/// <summary>
/// The outcome of one target job, as written to <c>result.json</c>. <see cref="Succeeded"/> only when the kernel
/// was built, is in a bootable format, and passed its smoke test (or the smoke test was switched off: <c>--no-smoke</c>).
/// </summary>
internal sealed record TargetResult(
    string Target,
    string Platform,
    string Architecture,
    string? Kernel,
    string? KernelSha256,
    double? BuildSeconds,
    KernelImageCheck? Image,
    SmokeResult? Smoke,
    string? FailureReason)
{
    public string Builder { get; init; } = "make";

    /// <summary>The object cache's counters for this build, when it compiled through farm-cc.</summary>
    public Farm.Cache.Stats.CacheStatistics? Cache { get; init; }

    /// <summary>
    /// Why the target was built but not booted here (this host cannot boot its platform, or its CPU lacks what the
    /// kernel needs): reported as <c>skipped</c>, as <c>farm build</c> reports a target no worker serves, never as a
    /// success or a failure.
    /// </summary>
    public string? SkipReason { get; init; }

    public bool Succeeded => FailureReason is null && SkipReason is null && Kernel is not null && Smoke?.Status is SmokeStatus.Passed or SmokeStatus.Skipped;

    /// <summary>succeeded, skipped or failed: result.json's <c>status</c>.</summary>
    public string Status => Succeeded ? "succeeded" : SkipReason is not null && FailureReason is null ? "skipped" : "failed";

    /// <summary>The one-line reason of a target that did not succeed.</summary>
    public string? Reason => FailureReason ?? SkipReason;
}
