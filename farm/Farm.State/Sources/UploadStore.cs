using System.Text;
using Farm.Core.Oci;

namespace Farm.State.Sources;

/// <summary>
/// Uploaded source archives, kept once by digest as OCI blobs (each under a manifest tagged <c>upload-&lt;hex&gt;</c>,
/// so a registry's garbage collection keeps it), in the source store every process names the same way: the cache
/// registry, or a directory all of them share. The database keeps only the digest. Reads are verified against it.
/// </summary>
public sealed class UploadStore
{
    /// <summary>Where sources are stored: <c>host:port/repo</c> or <c>oci:/path</c>; else the cache registry, else <see cref="DefaultLayout"/>.</summary>
    public const string Variable = "Farm__Sources__Store";
    private const string ConfigMediaType = "application/vnd.unikernel-farm.upload.config.v1+json";
    private readonly IOciRepository _repository;

    public UploadStore(IOciRepository repository) => _repository = repository;

    /// <summary>Where this store keeps archives, for messages.</summary>
    public string Location => _repository.Name;

    /// <summary>An OCI layout in the user's cache directory: the farm and workers of one user on one host meet there; hosts apart need a registry.</summary>
    public static string DefaultLayout => Path.Combine(SourceCacheLocations.UserDirectory(), "source-store");

    /// <summary>The store at <paramref name="reference"/> (<see cref="Settings.SourceStoreOptions.Reference"/>: checked at start-up).</summary>
    public static UploadStore Open(OciReference reference, Func<OciReference, IOciRepository> open)
    {
        ArgumentNullException.ThrowIfNull(open);
        return new UploadStore(open(reference));
    }

    public static string Tag(string digest) => "upload-" + digest["sha256:".Length..];

    /// <summary>Keeps the archive; its digest (<c>sha256:...</c>). Storing the same archive again costs one existence check.</summary>
    public async Task<string> PutAsync(byte[] archive, CancellationToken cancellationToken)
    {
        var layer = BlobSource.FromBytes(archive);
        var config = BlobSource.FromBytes(Encoding.UTF8.GetBytes($"{{\"digest\":\"{layer.Digest}\"}}"));
        await _repository.PushBlobAsync(layer, cancellationToken).ConfigureAwait(false);
        await _repository.PushBlobAsync(config, cancellationToken).ConfigureAwait(false);
        var manifest = new ImageManifest(new Descriptor(ConfigMediaType, config.Digest, config.Size), [new Descriptor(MediaTypes.Layer, layer.Digest, layer.Size)]);
        await _repository.PutManifestAsync(manifest.ToJson(), MediaTypes.ImageManifest, Tag(layer.Digest.Value), cancellationToken).ConfigureAwait(false);
        return layer.Digest.Value;
    }

    /// <summary>The archive of <paramref name="digest"/>, checked against it; null when the store lacks it.</summary>
    public async Task<byte[]?> GetAsync(string digest, CancellationToken cancellationToken)
    {
        if (!Digest.TryParse(digest, out var parsed) || !await _repository.BlobExistsAsync(parsed, cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        return await _repository.GetBlobAsync(parsed, cancellationToken).ConfigureAwait(false);
    }
}
