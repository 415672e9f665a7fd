namespace Farm.Core.Oci;

/// <summary>
/// Copies an index (or a single manifest) with everything it references from one repository to another, digests
/// preserved: blobs first, then platform manifests by digest, then the top manifest under the destination tag.
/// Blobs the destination has are skipped; each blob passes through a temporary file, so memory stays flat.
/// </summary>
public static class OciCopier
{
    public static async Task<CopyResult> CopyAsync(IOciRepository source, string selector, IOciRepository destination, string tag, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(destination);
        var top = await source.TryGetManifestAsync(selector, cancellationToken).ConfigureAwait(false)
            ?? throw new OciFormatException($"{source.Name}: nothing at {selector}");
        var manifests = top.IsIndex
            ? ImageIndex.Parse(top.Bytes).Manifests
            : [];
        long bytes = 0;
        var blobs = 0;
        foreach (var entry in manifests)
        {
            var manifest = await source.TryGetManifestAsync(entry.Digest.Value, cancellationToken).ConfigureAwait(false)
                ?? throw new OciFormatException($"{source.Name}: the index lists {entry.Digest}, which is missing");
            (var copied, var size) = await CopyBlobsAsync(source, manifest, destination, cancellationToken).ConfigureAwait(false);
            blobs += copied;
            bytes += size;
            await destination.PutManifestAsync(manifest.Bytes, manifest.MediaType, tag: null, cancellationToken).ConfigureAwait(false);
        }

        if (!top.IsIndex)
        {
            (blobs, bytes) = await CopyBlobsAsync(source, top, destination, cancellationToken).ConfigureAwait(false);
        }

        await destination.PutManifestAsync(top.Bytes, top.MediaType, tag, cancellationToken).ConfigureAwait(false);
        return new CopyResult(top.Digest, blobs, bytes);
    }

    private static async Task<(int Blobs, long Bytes)> CopyBlobsAsync(IOciRepository source, FetchedManifest manifest, IOciRepository destination, CancellationToken cancellationToken)
    {
        var parsed = ImageManifest.Parse(manifest.Bytes);
        var copied = 0;
        long bytes = 0;
        foreach (var blob in new[] { parsed.Config }.Concat(parsed.Layers))
        {
            if (await destination.BlobExistsAsync(blob.Digest, cancellationToken).ConfigureAwait(false))
            {
                continue;
            }

            await CopyBlobAsync(source, blob, destination, cancellationToken).ConfigureAwait(false);
            copied++;
            bytes += blob.Size;
        }

        return (copied, bytes);
    }

    // Straight from a layout's file, or straight into a layout's staging file; a temporary file only between registries.
    private static async Task CopyBlobAsync(IOciRepository source, Descriptor blob, IOciRepository destination, CancellationToken cancellationToken)
    {
        if (source is ILocalBlobStore layout && layout.LocalBlob(blob.Digest) is { } local)
        {
            await destination.PushBlobAsync(local, cancellationToken).ConfigureAwait(false);
            return;
        }

        if (destination is ILocalBlobStore target)
        {
            await target.WriteBlobAsync(blob.Digest, blob.Size, (stream, ct) => source.CopyBlobToAsync(blob.Digest, stream, ct), cancellationToken).ConfigureAwait(false);
            return;
        }

        var staging = Path.GetTempFileName();
        try
        {
            await using (var file = File.Create(staging))
            {
                await source.CopyBlobToAsync(blob.Digest, file, cancellationToken).ConfigureAwait(false);
            }

            await destination.PushBlobAsync(BlobSource.FromFile(staging, blob.Digest), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            File.Delete(staging);
        }
    }
}

/// <summary>The digest copied, and how many blobs (and bytes) actually moved.</summary>
public sealed record CopyResult(Digest Digest, int BlobsCopied, long BytesCopied);
