using Farm.Core.Builds;
using System.Diagnostics;
using Farm.State.Sources;
using Hangfire;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Farm.Builds;

/// <summary>
/// Plans a build the API accepted without waiting for git (Hangfire, queue <c>control</c>): checks out its commit,
/// reads and plans its Kraftfile, stores its targets and enqueues them. A commit that cannot be fetched, or a
/// Kraftfile that cannot be built, fails the build with the reason. Safe to run twice: only a build still
/// <see cref="BuildState.Resolving"/> (or planned but not fully enqueued) is acted on. Its parts' durations are logged
/// at Debug (<c>Logging__LogLevel__Farm.Builds.ResolveBuildJob=Debug</c>): bench/farm-pickup.sh reads them.
/// </summary>
internal sealed partial class ResolveBuildJob
{
    private readonly IBuildStore _store;
    private readonly SourceCheckout _sources;
    private readonly BuildSubmitter _submitter;
    private readonly ILogger _logger;

    public ResolveBuildJob(IBuildStore store, SourceCheckout sources, BuildSubmitter submitter, ILogger<ResolveBuildJob>? logger = null)
    {
        _store = store;
        _sources = sources;
        _submitter = submitter;
        _logger = logger ?? (ILogger)NullLogger.Instance;
    }

    /// <param name="targets">The request's target selection (<c>plat/arch</c>, target or kernel names); empty for all.</param>
    public static string Enqueue(IBackgroundJobClient jobs, string buildId, IReadOnlyList<string> targets)
    {
        ArgumentNullException.ThrowIfNull(jobs);
        var selected = targets.ToArray();
        return jobs.Create(Hangfire.Common.Job.FromExpression<ResolveBuildJob>(j => j.RunAsync(buildId, selected, CancellationToken.None), FarmQueues.Control), new Hangfire.States.EnqueuedState(FarmQueues.Control));
    }

    [AutomaticRetry(Attempts = 2)]
    public async Task RunAsync(string buildId, string[] targets, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        if (await _store.GetAsync(buildId, cancellationToken).ConfigureAwait(false) is not { State: BuildState.Resolving or BuildState.Queued, GitUrl: { } url, GitCommit: { } commit } build)
        {
            return;
        }

        var read = clock.Elapsed;
        string root;
        string pinned;
        try
        {
            // The commit as resolved now is what every target's plan names: a branch that moves later moves no worker.
            (root, pinned) = await _sources.CheckoutPinnedAsync(Path.GetFileName(url.TrimEnd('/')), url, commit, cancellationToken).ConfigureAwait(false);
        }
        catch (ArgumentException ex)
        {
            await _store.FinishAsync(buildId, BuildState.Failed, null, $"source: {ex.Message}", CancellationToken.None).ConfigureAwait(false);
            return;
        }

        var checkedOut = clock.Elapsed;
        var errors = await _submitter.PlanResolvingAsync(build, new GitSource(root, url, pinned), targets, cancellationToken).ConfigureAwait(false);
        Log.Resolved(_logger, buildId, read.TotalMilliseconds, (checkedOut - read).TotalMilliseconds, (clock.Elapsed - checkedOut).TotalMilliseconds);
        if (errors.Count > 0)
        {
            await _store.FinishAsync(buildId, BuildState.Failed, null, $"the Kraftfile cannot be built: {string.Join("; ", errors)}", CancellationToken.None).ConfigureAwait(false);
        }
    }
}
