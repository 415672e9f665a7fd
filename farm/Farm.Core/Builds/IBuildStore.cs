using Farm.Core.Builds.Signals;

namespace Farm.Core.Builds;

/// <summary>
/// The farm's own state: builds, their targets and their logs. Every change a worker makes goes through here, and
/// the fan-in is here: <see cref="CompleteTargetAsync"/> moves a target to its final state once and says how many
/// targets are still open, atomically, so exactly one completion sees zero and enqueues the assemble job.
/// </summary>
public interface IBuildStore
{
    /// <summary>Stores a new build and its targets (skipped ones already final).</summary>
    Task CreateAsync(BuildRecord build, IReadOnlyList<TargetRecord> targets, CancellationToken cancellationToken);

    /// <summary>
    /// Gives a <see cref="BuildState.Resolving"/> build its plan: the fields planning learnt (app, Kraftfile path,
    /// publishing, runtime) and its targets; the build becomes queued. False when it was no longer resolving
    /// (cancelled, failed, or planned by an earlier run of the same job): then nothing changed.
    /// </summary>
    Task<bool> PlanAsync(BuildRecord planned, IReadOnlyList<TargetRecord> targets, CancellationToken cancellationToken);

    Task<BuildRecord?> GetAsync(string buildId, CancellationToken cancellationToken);

    Task<IReadOnlyList<TargetRecord>> GetTargetsAsync(string buildId, CancellationToken cancellationToken);

    /// <summary>The target's stored plan (<see cref="TargetRecord.Plan"/>); null when it has none (planned by an older farm) or is unknown.</summary>
    Task<string?> GetTargetPlanAsync(string buildId, string name, CancellationToken cancellationToken);

    /// <summary>
    /// Marks a target running on <paramref name="worker"/>; false when it is already final (cancelled, or done by an
    /// earlier attempt), or when <paramref name="attempt"/> is older than the target's: the job of a worker the farm
    /// gave up on, fetched again once its invisibility timeout passed, must not run the target a second time.
    /// </summary>
    Task<bool> StartTargetAsync(string buildId, string name, string worker, int attempt, CancellationToken cancellationToken);

    Task SetPhaseAsync(string buildId, string name, string phase, CancellationToken cancellationToken);

    /// <summary>
    /// Moves the target to its final state and returns how many of the build's targets are still open, or null when
    /// the target was already final (a retry, a cancel): then nothing changed and nothing may be enqueued.
    /// </summary>
    Task<int?> CompleteTargetAsync(string buildId, string name, TargetOutcome outcome, CancellationToken cancellationToken);

    /// <summary>Sets the build's final state; false when it already had one.</summary>
    Task<bool> FinishAsync(string buildId, BuildState state, string? indexDigest, string? reason, CancellationToken cancellationToken);

    /// <summary>Cancels a build: every open target becomes cancelled. False when the build is unknown or already final.</summary>
    Task<bool> CancelAsync(string buildId, CancellationToken cancellationToken);

    /// <summary>
    /// Fails a build whose deadline passed: every open target and the build become failed with <paramref name="reason"/>,
    /// atomically, so a worker's later completion changes nothing and enqueues nothing. False when already final.
    /// </summary>
    Task<bool> ExpireAsync(string buildId, string reason, CancellationToken cancellationToken);

    /// <summary>The builds not yet final that were created before <paramref name="createdBefore"/>, oldest first.</summary>
    Task<IReadOnlyList<BuildRecord>> ListOpenAsync(DateTimeOffset createdBefore, CancellationToken cancellationToken);

    /// <summary>
    /// Watches a build for changes of its targets' states or logs (a running target's cancel, a live log tail): signalled
    /// where the store can (LISTEN/NOTIFY, in-process), polled where it cannot. Take it before reading; dispose it.
    /// </summary>
    IBuildWatch Watch(string buildId, BuildChanges changes);

    Task AppendLogAsync(string buildId, string name, string line, CancellationToken cancellationToken);

    /// <summary>A target's log from line <paramref name="from"/> on.</summary>
    Task<IReadOnlyList<string>> ReadLogAsync(string buildId, string name, int from, CancellationToken cancellationToken);

    /// <summary>At most <paramref name="limit"/> lines of a target's log from line <paramref name="from"/> (0-based) on.</summary>
    Task<IReadOnlyList<string>> ReadLogAsync(string buildId, string name, int from, int limit, CancellationToken cancellationToken);

    /// <summary>How many lines a target's log has.</summary>
    Task<int> CountLogAsync(string buildId, string name, CancellationToken cancellationToken);

    /// <summary>A page of builds, newest first, with their targets; an index range, never a scan of every build.</summary>
    Task<BuildPage> ListBuildsAsync(BuildQuery query, CancellationToken cancellationToken);

    /// <summary>Finished targets across builds (a worker's last jobs, the slowest builds, a period's cache use).</summary>
    Task<IReadOnlyList<TargetEntry>> ListTargetsAsync(TargetQuery query, CancellationToken cancellationToken);

    /// <summary>
    /// The last finished targets of each named worker, newest first, at most <paramref name="perWorker"/> each: the
    /// workers page in one query, whatever the size of the fleet.
    /// </summary>
    Task<IReadOnlyList<TargetEntry>> ListRecentTargetsByWorkerAsync(IReadOnlyCollection<string> workers, int perWorker, CancellationToken cancellationToken);

    /// <summary>Every target running now, with its worker.</summary>
    Task<IReadOnlyList<TargetEntry>> ListRunningTargetsAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Cache use of the targets that finished (succeeded or failed) in the last <paramref name="days"/> UTC days (today
    /// is one), per day; and per build for the <paramref name="builds"/> builds whose targets finished last. Summed as
    /// targets finish (per day) or by the store (per build), never by the caller over every target.
    /// </summary>
    Task<CacheSummary> SummarizeCacheAsync(int days, int builds, CancellationToken cancellationToken);

    /// <summary>
    /// The newest <paramref name="perApp"/> builds of each app started by <paramref name="trigger"/> (of one app when
    /// <paramref name="app"/> is given), with their targets, newest first: the catalog grid without reading every run.
    /// </summary>
    Task<IReadOnlyList<BuildSummary>> ListLatestPerAppAsync(string trigger, int perApp, string? app, CancellationToken cancellationToken);
}
