namespace Farm.Core.Oci.Distribution;

/// <summary>
/// The OCI 1.1 referrers tag schema, for registries without the referrers API: the referrers of a subject are
/// the entries of an index stored at tag <c>sha256-&lt;hex of the subject&gt;</c>, updated read-modify-write.
/// </summary>
public static class Referrers
{
    public static async Task<IReadOnlyList<Descriptor>> ReadFallbackAsync(IOciRepository repository, Digest subject, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(repository);
        var index = await repository.TryGetManifestAsync(subject.TagForm, cancellationToken).ConfigureAwait(false);
        return index is { IsIndex: true } ? ImageIndex.Parse(index.Bytes).Manifests : [];
    }

    /// <summary>Adds <paramref name="referrer"/> (a manifest whose <c>subject</c> is <paramref name="subject"/>) to the fallback index.</summary>
    public static async Task AddFallbackAsync(IOciRepository repository, Digest subject, Descriptor referrer, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(repository);
        var existing = await ReadFallbackAsync(repository, subject, cancellationToken).ConfigureAwait(false);
        if (existing.Any(d => d.Digest == referrer.Digest))
        {
            return;
        }

        var index = new ImageIndex([.. existing, referrer]);
        await repository.PutManifestAsync(index.ToJson(), MediaTypes.ImageIndex, subject.TagForm, cancellationToken).ConfigureAwait(false);
    }
}
