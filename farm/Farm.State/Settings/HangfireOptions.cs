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
    /// <c>Farm__Hangfire__Notify</c>: true (the default): an idle server sleeps until the job queue's NOTIFY wakes it,
    /// polling only every <see cref="FallbackPollSeconds"/>; false: plain polling every <see cref="PollMilliseconds"/>
    /// (the design before NOTIFY, kept for comparison and for a database that cannot deliver notifications, such as
    /// one behind a transaction-mode pooler).
    /// </summary>
    public bool Notify { get; init; } = true;

    /// <summary>
    /// <c>Farm__Hangfire__FallbackPollSeconds</c>: with <see cref="Notify"/>, how often one thread per server asks for a
    /// job without a NOTIFY: the bound on picking up a killed worker's job after its invisibility timeout (that
    /// requeue changes no row, so nothing is notified) and on any NOTIFY lost while the listener reconnects.
    /// </summary>
    [Range(1, 3600)]
    public int FallbackPollSeconds { get; init; } = 10;

    /// <summary>
    /// <c>Farm__Hangfire__PollMilliseconds</c>: with <c>Notify=false</c>, how often each idle worker thread asks for a
    /// job; each poll is one small transaction, so the cost is about threads / interval per second and server.
    /// </summary>
    [Range(50, 60_000)]
    public int PollMilliseconds { get; init; } = 200;

    /// <summary>
    /// <c>Farm__Hangfire__InvisibilitySeconds</c>: how long a fetched job stays hidden from other servers without its
    /// fetch being renewed: a killed worker's job is fetched again after this long.
    /// </summary>
    [Range(5, 86_400)]
    public int InvisibilitySeconds { get; init; } = 120;

    public TimeSpan FallbackPoll => TimeSpan.FromSeconds(FallbackPollSeconds);

    public TimeSpan PollInterval => TimeSpan.FromMilliseconds(PollMilliseconds);

    public TimeSpan InvisibilityTimeout => TimeSpan.FromSeconds(InvisibilitySeconds);
}
