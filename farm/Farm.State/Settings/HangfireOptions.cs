using System.ComponentModel.DataAnnotations;

namespace Farm.State.Settings;

/// <summary>
/// <c>Farm__Hangfire__*</c>: how the farm and every worker use Hangfire's PostgreSQL storage. Read by
/// <c>farm serve</c> and <c>worker serve</c>; a value out of range stops them instead of meaning the default.
/// </summary>
public sealed class HangfireOptions
{
    public const string Section = "Farm:Hangfire";

    /// <summary>
    /// <c>Farm__Hangfire__PollMilliseconds</c>: how often an idle server asks for a job; each poll is one small
    /// transaction, so the cost is about 2 × servers / interval per second.
    /// </summary>
    [Range(50, 60_000)]
    public int PollMilliseconds { get; init; } = 200;

    /// <summary>
    /// <c>Farm__Hangfire__InvisibilitySeconds</c>: how long a fetched job stays hidden from other servers without its
    /// fetch being renewed: a killed worker's job is fetched again after this long.
    /// </summary>
    [Range(5, 86_400)]
    public int InvisibilitySeconds { get; init; } = 120;

    public TimeSpan PollInterval => TimeSpan.FromMilliseconds(PollMilliseconds);

    public TimeSpan InvisibilityTimeout => TimeSpan.FromSeconds(InvisibilitySeconds);
}
