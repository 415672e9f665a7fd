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

    public bool Succeeded => FailureReason is null && Kernel is not null && Smoke?.Status is SmokeStatus.Passed or SmokeStatus.Skipped;
}
