namespace Farm.Core.Oci;

/// <summary>
/// Copies an index (or a single manifest) with everything it references from one repository to another, digests
/// preserved: blobs first, then platform manifests by digest, then the top manifest under the destination tag.
/// The blobs of all the manifests (each once) move in parallel, a few at a time; one the destination has is skipped,
/// and between two repositories of one registry the registry is asked to mount it before anything is transferred.
/// No blob passes through memory whole: a layout's file is read in place or written through a staging file, and a
/// blob between two registries passes through a temporary file.
/// </summary>
public static class OciCopier
{
    /// <summary>Blobs in flight at once: enough to overlap one blob's round trips with another's bytes.</summary>
    private const int ParallelBlobs = 4;

    public static async Task<CopyResult> CopyAsync(IOciRepository source, string selector, IOciRepository destination, string tag, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(destination);
        var top = await source.TryGetManifestAsync(selector, cancellationToken).ConfigureAwait(false)
            ?? throw new OciFormatException($"{source.Name}: nothing at {selector}");
        var manifests = new List<FetchedManifest>();
        if (top.IsIndex)
        {
            foreach (var entry in ImageIndex.Parse(top.Bytes).Manifests)
            {
                manifests.Add(await source.TryGetManifestAsync(entry.Digest.Value, cancellationToken).ConfigureAwait(false)
                    ?? throw new OciFormatException($"{source.Name}: the index lists {entry.Digest}, which is missing"));
            }
        }

        var blobs = (top.IsIndex ? manifests : [top])
            .Select(m => ImageManifest.Parse(m.Bytes))
            .SelectMany(m => new[] { m.Config }.Concat(m.Layers))
            .DistinctBy(b => b.Digest)
            .ToList();
        var outcomes = new BlobOutcome[blobs.Count];
        await Parallel.ForEachAsync(
            Enumerable.Range(0, blobs.Count),
            new ParallelOptions { MaxDegreeOfParallelism = ParallelBlobs, CancellationToken = cancellationToken },
            async (i, ct) => outcomes[i] = await CopyBlobAsync(source, blobs[i], destination, ct).ConfigureAwait(false)).ConfigureAwait(false);

        foreach (var manifest in manifests)
        {
            await destination.PutManifestAsync(manifest.Bytes, manifest.MediaType, tag: null, cancellationToken).ConfigureAwait(false);
        }

        await destination.PutManifestAsync(top.Bytes, top.MediaType, tag, cancellationToken).ConfigureAwait(false);
        var copied = Enumerable.Range(0, blobs.Count).Where(i => outcomes[i] == BlobOutcome.Copied).ToList();
        return new CopyResult(top.Digest, copied.Count, copied.Sum(i => blobs[i].Size))
        {
            BlobsMounted = outcomes.Count(o => o == BlobOutcome.Mounted),
        };
    }

    // Straight from a layout's file, or straight into a layout's staging file; a temporary file only between registries.
    private static async Task<BlobOutcome> CopyBlobAsync(IOciRepository source, Descriptor blob, IOciRepository destination, CancellationToken cancellationToken)
    {
        if (source is ILocalBlobStore layout && layout.LocalBlob(blob.Digest) is { } local)
        {
            // The push asks whether the destination has it first.
            return await destination.PushBlobAsync(local, cancellationToken).ConfigureAwait(false) ? BlobOutcome.Copied : BlobOutcome.Present;
        }

        if (destination is ILocalBlobStore target)
        {
            return await target.WriteBlobAsync(blob.Digest, blob.Size, (stream, ct) => source.CopyBlobToAsync(blob.Digest, stream, ct), cancellationToken).ConfigureAwait(false)
                ? BlobOutcome.Copied
                : BlobOutcome.Present;
        }

        if (await destination.BlobExistsAsync(blob.Digest, cancellationToken).ConfigureAwait(false))
        {
            return BlobOutcome.Present;
        }

        if (destination is IBlobMountTarget mountable && await mountable.TryMountBlobAsync(blob.Digest, source, cancellationToken).ConfigureAwait(false))
        {
            return BlobOutcome.Mounted;
        }

        var staging = Path.GetTempFileName();
        try
        {
            await using (var file = File.Create(staging))
            {
                await source.CopyBlobToAsync(blob.Digest, file, cancellationToken).ConfigureAwait(false);
            }

            await destination.PushBlobAsync(BlobSource.FromFile(staging, blob.Digest), cancellationToken).ConfigureAwait(false);
            return BlobOutcome.Copied;
        }
        finally
        {
            File.Delete(staging);
        }
    }

    private enum BlobOutcome
    {
        Present,
        Mounted,
        Copied,
    }
}

/// <summary>The digest copied, how many blobs (and bytes) actually moved, and how many the registry mounted instead.</summary>
public sealed record CopyResult(Digest Digest, int BlobsCopied, long BytesCopied)
{
    public int BlobsMounted { get; init; }
}
