namespace Farm.Worker.Smoke;

/// <summary>The verdict of one boot, the console it printed, and for a failure one line saying why.</summary>
internal sealed record SmokeResult(SmokeStatus Status, string Runner, TimeSpan Elapsed, string? Reason, string Console)
{
    /// <summary>For <see cref="SmokeStatus.Unavailable"/>: the CPU features the kernel needs that the runner's guest lacks.</summary>
    public IReadOnlyList<string> LackingCpu { get; init; } = [];

    public bool Passed => Status == SmokeStatus.Passed;

    public static SmokeResult Skipped(string reason) => new(SmokeStatus.Skipped, "none", TimeSpan.Zero, reason, string.Empty);

    public static SmokeResult Unavailable(string runner, string reason) => new(SmokeStatus.Unavailable, runner, TimeSpan.Zero, reason, string.Empty);
}
