using Farm.Core.Builds;
using Farm.Core.Diagnostics;
using Farm.Core.Kraftfiles;
using Farm.Core.Planning;
using Farm.Worker.Jobs;
using Hangfire;

namespace Farm.Builds;

/// <summary>
/// Plans a Kraftfile into one job per target and enqueues them, each on its <c>plat-arch</c> queue. A target no
/// worker serves is stored as skipped with the reason, never dropped; a build left with nothing to run goes straight
/// to assembling, which says why nothing was published.
/// </summary>
public sealed class BuildSubmitter
{
    private readonly IBuildStore _store;
    private readonly IBackgroundJobClient _jobs;
    private readonly Func<string, string, string?> _whyNotServed;

    /// <param name="whyNotServed">For a platform and architecture: null when some worker serves its queue, else why not.</param>
    public BuildSubmitter(IBuildStore store, IBackgroundJobClient jobs, Func<string, string, string?> whyNotServed)
    {
        _store = store;
        _jobs = jobs;
        _whyNotServed = whyNotServed;
    }

    /// <summary>Plans and enqueues; the build, or the diagnostics (file, line, field) that stopped it.</summary>
    public async Task<(BuildRecord? Build, IReadOnlyList<string> Errors)> SubmitAsync(BuildRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var parsed = new KraftfileParser().Load(request.KraftfilePath);
        var planned = parsed.Kraftfile is { } k && parsed.IsValid ? Planner.Plan(k) : null;
        var errors = parsed.Diagnostics.Concat(planned?.Diagnostics ?? []).Where(d => d.IsError).Select(d => d.Format()).ToList();
        if (planned?.Plan is not { } plan)
        {
            return (null, errors.Count > 0 ? errors : [$"{request.KraftfilePath}: not a buildable Kraftfile"]);
        }

        if (plan.TargetsComeFromRuntime)
        {
            return (null, [$"{plan.Kraftfile.Path}: runtime: images on a pre-built runtime ({plan.Runtime}) are not built by this farm yet; only Kraftfiles with a unikraft: source are"]);
        }

        var jobs = plan.Jobs.ToList();
        var unknown = request.Targets.Where(t => !jobs.Exists(j => Matches(j, t))).ToList();
        if (unknown.Count > 0)
        {
            var offered = string.Join(", ", jobs.Select(j => $"{j.Platform}/{j.Architecture} ({j.Target})"));
            return (null, [$"{plan.Kraftfile.Path}: targets: {string.Join(", ", unknown)} not in this Kraftfile; it has {offered}"]);
        }

        if (request.Targets.Count > 0)
        {
            jobs = jobs.Where(j => request.Targets.Any(t => Matches(j, t))).ToList();
        }

        var id = Guid.NewGuid().ToString("N")[..16];
        var sourceRoot = request.Git?.Root ?? request.Upload?.Root;
        var kraftfile = sourceRoot is not null ? Path.GetRelativePath(sourceRoot, Path.GetFullPath(plan.Kraftfile.Path)) : plan.Kraftfile.Path;
        var build = new BuildRecord(id, plan.Kraftfile.Name, kraftfile, request.Output, request.Scope, DateTimeOffset.UtcNow)
        {
            PublishPartial = plan.Kraftfile.Farm.PublishPartial,
            SigningKeyFile = request.SigningKeyFile,
            GitUrl = request.Git?.Url,
            GitCommit = request.Git?.Commit,
            SourceDigest = request.Upload?.Digest,
        };
        var targets = jobs.Select(j =>
        {
            var record = new TargetRecord(id, j.KernelFileName, j.Target, j.Platform, j.Architecture, j.Queue);
            return _whyNotServed(j.Platform, j.Architecture) is { } why ? record with { State = TargetState.Skipped, Reason = why } : record;
        }).ToList();
        await _store.CreateAsync(build, targets, cancellationToken).ConfigureAwait(false);
        foreach (var target in targets.Where(t => t.State == TargetState.Queued))
        {
            TargetBuildJob.Enqueue(_jobs, id, target.Name, target.Queue);
        }

        if (!targets.Exists(t => t.State == TargetState.Queued))
        {
            _jobs.Create(Hangfire.Common.Job.FromExpression<IAssembleJob>(j => j.AssembleAsync(id, CancellationToken.None), FarmQueues.Assemble), new Hangfire.States.EnqueuedState(FarmQueues.Assemble));
        }

        return (build, []);
    }

    private static bool Matches(TargetJob job, string selector) =>
        selector == $"{job.Platform}/{job.Architecture}" || selector == job.Target || selector == job.KernelFileName;
}
