namespace Farm.Core.Oci.Packaging;

/// <summary>
/// Pushes packaged targets and the index that lists them. Order is what keeps readers safe: blobs, then each
/// manifest by digest, then the merged index by digest, and only then the tag. A failure anywhere leaves the tag
/// as it was.
/// </summary>
public static class ImagePublisher
{
    public static async Task<PublishResult> PublishAsync(IOciRepository repository, string tag, IReadOnlyList<PackagedTarget> targets, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(repository);
        ArgumentNullException.ThrowIfNull(targets);
        var uploaded = 0;
        foreach (var target in targets)
        {
            foreach (var blob in target.Blobs)
            {
                uploaded += await repository.PushBlobAsync(blob, cancellationToken).ConfigureAwait(false) ? 1 : 0;
            }

            await repository.PutManifestAsync(target.Manifest, MediaTypes.ImageManifest, tag: null, cancellationToken).ConfigureAwait(false);
        }

        var current = await repository.TryGetManifestAsync(tag, cancellationToken).ConfigureAwait(false);
        var existing = current is { IsIndex: true } ? ImageIndex.Parse(current.Bytes) : null;
        var index = IndexAssembler.Merge(existing, targets.Select(t => t.IndexEntry));
        var digest = await repository.PutManifestAsync(index.ToJson(), MediaTypes.ImageIndex, tag, cancellationToken).ConfigureAwait(false);
        return new PublishResult(digest, targets.Select(t => t.IndexEntry).ToList(), uploaded);
    }
}

/// <summary>The published index digest, the entries written, and how many blobs were actually uploaded.</summary>
public sealed record PublishResult(Digest IndexDigest, IReadOnlyList<Descriptor> Entries, int BlobsUploaded);
