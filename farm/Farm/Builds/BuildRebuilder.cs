using Farm.Core.Builds;
using Farm.State.Sources;
using Hangfire;

namespace Farm.Builds;

/// <summary>
/// Builds again what a build built: the same source (git commit, or the uploaded archive the store keeps), Kraftfile,
/// image, scope and targets, as a new build. A git source is resolved by a control job as a submit is; an upload is
/// planned at once. The new build answers for itself: the old one is left as it was.
/// </summary>
internal sealed class BuildRebuilder
{
    private readonly IBuildStore _store;
    private readonly UploadStore _uploads;
    private readonly BuildSubmitter _submitter;
    private readonly SourceCheckout _sources;
    private readonly IBackgroundJobClient _jobs;

    public BuildRebuilder(IBuildStore store, BuildSubmitter submitter, SourceCheckout sources, UploadStore uploads, IBackgroundJobClient jobs)
    {
        _store = store;
        _uploads = uploads;
        _submitter = submitter;
        _sources = sources;
        _jobs = jobs;
    }

    /// <returns>The new build's id, or why there is none (<paramref name="missing"/> when the build is unknown).</returns>
    public async Task<(string? Id, string? Problem, bool Missing)> RebuildAsync(string buildId, CancellationToken cancellationToken)
    {
        if (await _store.GetAsync(buildId, cancellationToken).ConfigureAwait(false) is not { } old)
        {
            return (null, $"no build {buildId}", true);
        }

        var targets = (await _store.GetTargetsAsync(buildId, cancellationToken).ConfigureAwait(false)).Select(t => t.Name).ToList();
        if (old is { GitUrl: { } url, GitCommit: { } commit })
        {
            var build = new BuildRecord(BuildSubmitter.NewBuildId(), old.App, old.KraftfilePath, old.Output, old.Scope, DateTimeOffset.UtcNow)
            {
                State = BuildState.Resolving,
                SigningKeyFile = old.SigningKeyFile,
                GitUrl = url,
                GitCommit = commit,
                Branch = old.Branch,
                Trigger = BuildTriggers.Api,
            };
            await _store.CreateAsync(build, [], cancellationToken).ConfigureAwait(false);
            ResolveBuildJob.Enqueue(_jobs, build.Id, targets);
            return (build.Id, null, false);
        }

        if (old.SourceDigest is not { } digest || await _uploads.GetAsync(digest, cancellationToken).ConfigureAwait(false) is not { } archive)
        {
            return (null, $"build {buildId} has no source the farm keeps (neither a git commit nor an uploaded archive)", false);
        }

        var (root, refused) = UploadedSource.Unpack(archive, _sources.CacheDirectory);
        if (root is null)
        {
            return (null, $"the uploaded source of build {buildId} cannot be unpacked: {string.Join("; ", refused)}", false);
        }

        var (rebuilt, errors) = await _submitter.SubmitAsync(
            new BuildRequest(Path.Combine(root, old.KraftfilePath), old.Output, targets)
            {
                Scope = old.Scope,
                SigningKeyFile = old.SigningKeyFile,
                Upload = new UploadedArchive(root, digest),
                Branch = old.Branch,
            },
            cancellationToken).ConfigureAwait(false);
        return rebuilt is null ? (null, string.Join("; ", errors.Select(e => e.Replace(root + "/", string.Empty, StringComparison.Ordinal))), false) : (rebuilt.Id, null, false);
    }
}
