namespace Farm.GitHub.Checks;

/// <summary>
/// Reports a build target's progress as a GitHub check run: queued, then in progress, then completed. Every method
/// throws <see cref="GitHubReportException"/> when GitHub refuses or cannot be reached; callers log it and carry on.
/// </summary>
internal interface ICheckRunReporter
{
    /// <summary>Creates the target's check run, queued; returns its id for the later calls.</summary>
    Task<long> QueueAsync(CheckRunTarget target, CancellationToken ct);

    Task StartAsync(CheckRunTarget target, long checkRunId, CancellationToken ct);

    Task CompleteAsync(CheckRunTarget target, long checkRunId, CheckRunOutcome outcome, CancellationToken ct);
}
