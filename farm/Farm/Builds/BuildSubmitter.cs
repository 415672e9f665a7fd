using Farm.Core.Builds;
using Farm.Core.Diagnostics;
using Farm.Core.Kraftfiles;
using Farm.Core.Planning;
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
    private readonly Func<string, string, CancellationToken, Task<string?>> _whyNotServed;
    private readonly RuntimeMirrors _mirrors;
    private readonly Func<Core.Oci.OciReference, Core.Oci.IOciRepository> _open;
    private readonly Core.Sources.SourcePolicy _policy;

    /// <summary>Appended to "leaves the source tree" for a local build: what a developer can do.</summary>
    public const string LocalTreeHint = " (the git work tree holding the Kraftfile, else its directory); farm build --allow-outside-sources builds it anyway";

    /// <summary>Appended to "leaves the source tree" for a git or uploaded source.</summary>
    public const string ServedTreeHint = "; name a path inside the repository";

    /// <param name="whyNotServed">For a platform and architecture: null when the target may wait in its queue, else why it is skipped.</param>
    /// <param name="mirrors">Where runtime images are fetched from.</param>
    /// <param name="open">Opens a repository (runtime images).</param>
    /// <param name="policy">The git URLs a Kraftfile may name; null for this process's (<c>Farm__Sources__Allow__N</c>).</param>
    public BuildSubmitter(IBuildStore store, IBackgroundJobClient jobs, Func<string, string, CancellationToken, Task<string?>> whyNotServed, RuntimeMirrors mirrors, Func<Core.Oci.OciReference, Core.Oci.IOciRepository> open, Core.Sources.SourcePolicy? policy = null)
    {
        _policy = policy ?? Core.Sources.SourcePolicy.FromEnvironment();
        _store = store;
        _jobs = jobs;
        _whyNotServed = whyNotServed;
        _mirrors = mirrors;
        _open = open;
    }

    /// <summary>A new build's id: 16 hex digits.</summary>
    public static string NewBuildId() => Guid.NewGuid().ToString("N")[..16];

    /// <summary>Plans and enqueues; the build, or the diagnostics (file, line, field) that stopped it.</summary>
    public Task<(BuildRecord? Build, IReadOnlyList<string> Errors)> SubmitAsync(BuildRequest request, CancellationToken cancellationToken) =>
        PlanAndEnqueueAsync(request, null, cancellationToken);

    /// <summary>
    /// Plans a build the API accepted as <see cref="BuildState.Resolving"/>, now that its commit is checked out at
    /// <paramref name="source"/>; the errors that stop it name files relative to the checkout. Safe to run twice: a
    /// second run finds the build planned and only enqueues again the targets no job started (at worst a target is
    /// started twice, and still completes once).
    /// </summary>
    public async Task<IReadOnlyList<string>> PlanResolvingAsync(BuildRecord resolving, GitSource source, IReadOnlyList<string> targets, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(resolving);
        ArgumentNullException.ThrowIfNull(source);
        var request = new BuildRequest(Path.Combine(source.Root, resolving.KraftfilePath), resolving.Output, targets)
        {
            Scope = resolving.Scope,
            SigningKeyFile = resolving.SigningKeyFile,
            Git = source,
            Trigger = resolving.Trigger,
            Branch = resolving.Branch,
        };
        var (_, errors) = await PlanAndEnqueueAsync(request, resolving, cancellationToken).ConfigureAwait(false);
        return errors.Select(e => e.Replace(source.Root + "/", string.Empty, StringComparison.Ordinal)).ToList();
    }

    /// <param name="resolving">The build accepted earlier, to plan under its id; null to create a new one.</param>
    private async Task<(BuildRecord? Build, IReadOnlyList<string> Errors)> PlanAndEnqueueAsync(BuildRequest request, BuildRecord? resolving, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var servedRoot = request.Git?.Root ?? request.Upload?.Root;
        var tree = servedRoot is not null ? new Core.IO.SourceTree(servedRoot, ServedTreeHint)
            : request.LocalRoot is not null ? new Core.IO.SourceTree(request.LocalRoot, LocalTreeHint)
            : null;
        if (tree?.WhyOutside(request.KraftfilePath, Environment.CurrentDirectory) is { } outside)
        {
            return (null, [$"kraftfile: {outside}"]);
        }

        var parsed = new KraftfileParser().Load(request.KraftfilePath);
        var planned = parsed.Kraftfile is { } k && parsed.IsValid ? Planner.Plan(k) : null;
        var errors = parsed.Diagnostics.Concat(planned?.Diagnostics ?? []).Where(d => d.IsError).Select(d => d.Format()).ToList();
        if (parsed.Kraftfile is { } read && parsed.IsValid)
        {
            // Paths out of the tree and URLs outside the allow-list stop the build here, before any worker reads them.
            errors.AddRange(KraftfileSources.Check(read, tree, _policy).Select(d => d.Format()));
            if (errors.Count > 0)
            {
                return (null, errors);
            }
        }

        if (planned?.Plan is not { } plan)
        {
            return (null, errors.Count > 0 ? errors : [$"{request.KraftfilePath}: not a buildable Kraftfile"]);
        }

        string? runtime = null;
        var jobs = plan.Jobs.ToList();
        if (plan.TargetsComeFromRuntime)
        {
            var (resolved, offered, problem) = await RuntimeJobsAsync(plan, cancellationToken).ConfigureAwait(false);
            if (problem is not null)
            {
                return (null, [problem]);
            }

            runtime = resolved;
            jobs = offered;
        }

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

        var id = resolving?.Id ?? NewBuildId();
        var sourceRoot = request.Git?.Root ?? request.Upload?.Root;
        var kraftfile = sourceRoot is not null ? Path.GetRelativePath(sourceRoot, Path.GetFullPath(plan.Kraftfile.Path)) : plan.Kraftfile.Path;
        var build = new BuildRecord(id, plan.Kraftfile.Name, kraftfile, request.Output, request.Scope, resolving?.Created ?? DateTimeOffset.UtcNow)
        {
            PublishPartial = plan.Kraftfile.Farm.PublishPartial,
            SigningKeyFile = request.SigningKeyFile,
            GitUrl = request.Git?.Url,
            GitCommit = request.Git?.Commit,
            SourceDigest = request.Upload?.Digest,
            SourceRoot = servedRoot is null ? request.LocalRoot : null,
            Runtime = runtime,
            Trigger = resolving?.Trigger ?? request.Trigger,
            Branch = resolving?.Branch ?? request.Branch,
        };
        // The plan travels with each target: its worker builds exactly this job, from the Kraftfile with these bytes.
        var kraftfileDigest = TargetPlan.DigestOf(await File.ReadAllBytesAsync(plan.Kraftfile.Path, cancellationToken).ConfigureAwait(false));
        var targets = new List<TargetRecord>();
        foreach (var j in jobs)
        {
            var record = new TargetRecord(id, j.KernelFileName, j.Target, j.Platform, j.Architecture, j.Queue) { Plan = new TargetPlan(j, kraftfileDigest, request.Git?.Commit).ToJson() };
            targets.Add(await _whyNotServed(j.Platform, j.Architecture, cancellationToken).ConfigureAwait(false) is { } why ? record with { State = TargetState.Skipped, Reason = why } : record);
        }

        if (resolving is null)
        {
            await _store.CreateAsync(build, targets, cancellationToken).ConfigureAwait(false);
        }
        else if (!await _store.PlanAsync(build, targets, cancellationToken).ConfigureAwait(false))
        {
            // Planned by an earlier run that stopped before enqueueing everything, or cancelled meanwhile.
            var stored = await _store.GetAsync(id, cancellationToken).ConfigureAwait(false);
            targets = stored?.State is BuildState.Queued ? [.. await _store.GetTargetsAsync(id, cancellationToken).ConfigureAwait(false)] : [];
            if (targets.Count == 0)
            {
                return (stored, []);
            }
        }

        foreach (var target in targets.Where(t => t.State == TargetState.Queued))
        {
            ITargetBuildJob.Enqueue(_jobs, id, target.Name, target.Queue, target.Attempt);
        }

        if (targets.TrueForAll(t => t.State.IsFinal()))
        {
            _jobs.Create(Hangfire.Common.Job.FromExpression<IAssembleJob>(j => j.AssembleAsync(id, CancellationToken.None), FarmQueues.Assemble), new Hangfire.States.EnqueuedState(FarmQueues.Assemble));
        }

        return (build, []);
    }

    /// <summary>
    /// A Kraftfile of a git checkout (<paramref name="source"/>, path <paramref name="kraftfile"/> relative to its root),
    /// as the API, webhooks and the catalog submit it. The errors that refuse it name files relative to the checkout.
    /// </summary>
    /// <param name="trigger">What asked for it (<see cref="BuildTriggers"/>).</param>
    /// <param name="branch">The branch the commit was built for, when known.</param>
    public async Task<(BuildRecord? Build, IReadOnlyList<string> Errors)> SubmitFromGitAsync(GitSource source, string kraftfile, string image, IReadOnlyList<string> targets, string scope, string? signingKeyFile, CancellationToken cancellationToken, string trigger = BuildTriggers.Api, string? branch = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        var (build, errors) = await SubmitAsync(
            new BuildRequest(Path.Combine(source.Root, kraftfile), image, targets) { Scope = scope, SigningKeyFile = signingKeyFile, Git = source, Trigger = trigger, Branch = branch },
            cancellationToken).ConfigureAwait(false);
        return (build, errors.Select(e => e.Replace(source.Root + "/", string.Empty, StringComparison.Ordinal)).ToList());
    }

    /// <summary>
    /// A runtime-only Kraftfile's jobs: one per platform the runtime's index offers, restricted by its
    /// <c>targets</c> when it has any. The resolved reference is pinned by digest, so every job packages the same kernel.
    /// </summary>
    private async Task<(string? Runtime, List<TargetJob> Jobs, string? Problem)> RuntimeJobsAsync(BuildPlan plan, CancellationToken cancellationToken)
    {
        var written = plan.Runtime!.Reference;
        var location = _mirrors.Resolve(written);
        var where = location == written ? written : $"{written} (from {location})";
        if (!Core.Oci.OciReference.TryParse(location, out var reference, out var error))
        {
            return (null, [], $"{plan.Kraftfile.Path}: runtime: {where}: {error}");
        }

        Core.Oci.FetchedManifest? fetched;
        try
        {
            fetched = await _open(reference).TryGetManifestAsync(reference.Selector, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is Core.Oci.Distribution.RegistryException or IOException or HttpRequestException or Core.Oci.OciFormatException)
        {
            return (null, [], $"{plan.Kraftfile.Path}: runtime: {where}: {ex.Message}");
        }

        if (fetched is not { IsIndex: true })
        {
            return (null, [], $"{plan.Kraftfile.Path}: runtime: {where}: {(fetched is null ? "no such image" : "not a multi-platform index")}");
        }

        var (choices, problem) = RuntimeSelection.Choose(plan.Kraftfile, Core.Oci.ImageIndex.Parse(fetched.Bytes), where);
        if (problem is not null)
        {
            return (null, [], problem);
        }

        var name = plan.Kraftfile.Name;
        var jobs = choices.Select(c => new TargetJob(
            c.Target?.Name ?? name,
            c.Platform,
            c.Architecture,
            Queues.For(c.Platform, c.Architecture),
            c.KernelFileName(name),
            c.Target?.KConfig.Entries.Select(e => new KeyValuePair<string, string>(e.Key, e.Value)).ToList() ?? [],
            new WorkerRequirements(c.Architecture, c.Platform, false))).ToList();
        // REFERENCE@DIGEST, pinned: a layout reference has no digest form of its own.
        return ($"{reference}@{Core.Oci.Digest.Of(fetched.Bytes)}", jobs, null);
    }

    private static bool Matches(TargetJob job, string selector) =>
        selector == $"{job.Platform}/{job.Architecture}" || selector == job.Target || selector == job.KernelFileName;
}
