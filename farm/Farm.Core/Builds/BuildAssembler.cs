using Farm.Core.Oci;
using Farm.Core.Oci.Packaging;
using Farm.Core.Oci.Signing;

namespace Farm.Core.Builds;

/// <summary>
/// The fan-in's last step, run once when the build's last target reached its final state: unless a target failed
/// (and the Kraftfile did not opt into partial publishing), merge the targets' manifests (already pushed by digest
/// by their workers) into one index, push it by digest, sign the index and every manifest, and only then move the
/// tag. A failure before the tag leaves the tag as it was.
/// </summary>
public sealed class BuildAssembler
{
    private readonly IBuildStore _store;
    private readonly Func<OciReference, IOciRepository> _open;

    public BuildAssembler(IBuildStore store, Func<OciReference, IOciRepository> open)
    {
        _store = store;
        _open = open;
    }

    public async Task AssembleAsync(string buildId, CancellationToken cancellationToken)
    {
        if (await _store.GetAsync(buildId, cancellationToken).ConfigureAwait(false) is not { } build || build.State.IsFinal())
        {
            return;
        }

        var targets = await _store.GetTargetsAsync(buildId, cancellationToken).ConfigureAwait(false);
        var passed = targets.Where(t => t.State == TargetState.Succeeded && t.IndexEntry is not null).ToList();
        var failed = targets.Where(t => t.State is TargetState.Failed or TargetState.Cancelled).ToList();
        var skipped = targets.Where(t => t.State == TargetState.Skipped).ToList();
        if (passed.Count == 0)
        {
            var why = failed.Count > 0 ? Describe(failed, targets.Count, "failed") : $"no target could be built here ({string.Join("; ", skipped.Select(t => $"{t.PlatformName}: {t.Reason}"))})";
            await _store.FinishAsync(buildId, BuildState.Failed, null, $"{why}; nothing published", cancellationToken).ConfigureAwait(false);
            return;
        }

        if (failed.Count > 0 && !build.PublishPartial)
        {
            await _store.FinishAsync(buildId, BuildState.Failed, null, $"{Describe(failed, targets.Count, "failed")}; nothing published (x-farm.publish: partial publishes the rest)", cancellationToken).ConfigureAwait(false);
            return;
        }

        var reference = OciReference.Parse(build.Output);
        var repository = _open(reference);
        var index = IndexAssembler.Merge(null, passed.Select(t => IndexEntries.Parse(t.IndexEntry!)));
        var bytes = index.ToJson();
        var digest = await repository.PutManifestAsync(bytes, MediaTypes.ImageIndex, tag: null, cancellationToken).ConfigureAwait(false);
        if (build.SigningKeyFile is { } keyFile)
        {
            using var key = SigningKey.Load(keyFile);
            await IndexSigning.SignAsync(repository, reference.WithDigest(digest), key, cancellationToken).ConfigureAwait(false);
        }

        // The build may have ended while the index was pushed (its deadline passed, it was cancelled): then the tag stays.
        if (await _store.GetAsync(buildId, cancellationToken).ConfigureAwait(false) is not { } current || current.State.IsFinal())
        {
            return;
        }

        await repository.PutManifestAsync(bytes, MediaTypes.ImageIndex, reference.Tag ?? OciReference.DefaultTag, cancellationToken).ConfigureAwait(false);
        var reason = failed.Count > 0 ? $"{Describe(failed, targets.Count, "failed")}; the others published (x-farm.publish: partial)" : null;
        await _store.FinishAsync(buildId, failed.Count > 0 ? BuildState.Failed : BuildState.Succeeded, digest.Value, reason, cancellationToken).ConfigureAwait(false);
    }

    private static string Describe(IReadOnlyList<TargetRecord> which, int total, string what) =>
        $"{which.Count} of {total} target(s) {what}: {string.Join(", ", which.Select(t => t.PlatformName))}";
}
