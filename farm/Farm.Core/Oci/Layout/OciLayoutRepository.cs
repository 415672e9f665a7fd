using System.Security.Cryptography;
using Farm.Core.IO;

namespace Farm.Core.Oci.Layout;

/// <summary>
/// An OCI image layout directory (<c>oci-layout</c>, <c>index.json</c>, <c>blobs/sha256/</c>) as a repository,
/// readable by <c>skopeo copy oci:DIR:TAG</c>. Tags are index entries annotated with
/// <c>org.opencontainers.image.ref.name</c>. Blobs and <c>index.json</c> appear by atomic rename, and a lock
/// serialises updates of <c>index.json</c> across processes. The layout stays as tidy as kraft's: moving a tag drops
/// the untagged entries the new manifest covers and the <c>.sig</c> tags of what the tag named before, and the lock
/// lives in the user's cache directory, not in the layout.
/// </summary>
public sealed class OciLayoutRepository : IOciRepository, ILocalBlobStore
{
    public const string RefName = "org.opencontainers.image.ref.name";
    private static readonly byte[] LayoutMarker = "{\"imageLayoutVersion\":\"1.0.0\"}"u8.ToArray();
    private readonly string _root;

    public OciLayoutRepository(string directory)
    {
        _root = Path.GetFullPath(directory);
    }

    public string Name => $"{OciReference.LayoutPrefix}{_root}";

    public Task<bool> BlobExistsAsync(Digest digest, CancellationToken cancellationToken) => Task.FromResult(File.Exists(BlobPath(digest)));

    public async Task<bool> PushBlobAsync(BlobSource blob, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(blob);
        return await WriteBlobAsync(
            blob.Digest,
            blob.Size,
            async (output, ct) =>
            {
                await using var input = blob.Open();
                await input.CopyToAsync(output, 1 << 20, ct).ConfigureAwait(false);
            },
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Stores a blob whose bytes <paramref name="write"/> produces (a download, for instance), hashed as they arrive
    /// and renamed into place only when they match <paramref name="digest"/>. Returns false when the blob was there.
    /// </summary>
    public async Task<bool> WriteBlobAsync(Digest digest, long size, Func<Stream, CancellationToken, Task> write, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(write);
        if (File.Exists(BlobPath(digest)))
        {
            return false;
        }

        EnsureLayout();
        await InPlaceWrite.WriteAsync(
            BlobPath(digest),
            async (file, ct) =>
            {
                await using var hashing = new HashingWriteStream(file, digest);
                await write(hashing, ct).ConfigureAwait(false);
                var actual = hashing.Digest();
                if (actual != digest || hashing.Length != size)
                {
                    throw new OciFormatException($"the content pushed as {digest} ({size} bytes) is {actual} ({hashing.Length} bytes)");
                }
            },
            cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <summary>A blob of this layout as a source to push elsewhere, read straight from its file (null when absent).</summary>
    public BlobSource? LocalBlob(Digest digest) => File.Exists(BlobPath(digest)) ? BlobSource.FromFile(BlobPath(digest), digest) : null;

    public async Task<byte[]> GetBlobAsync(Digest digest, CancellationToken cancellationToken)
    {
        var bytes = await ReadBlobAsync(digest, cancellationToken).ConfigureAwait(false)
            ?? throw new OciFormatException($"{Name}: blob {digest} is not in the layout");
        return bytes;
    }

    /// <summary>Streams the blob's file (never whole in memory), hashed as it goes; a corrupt file throws at its end.</summary>
    public async Task CopyBlobToAsync(Digest digest, Stream destination, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(destination);
        if (!File.Exists(BlobPath(digest)))
        {
            throw new OciFormatException($"{Name}: blob {digest} is not in the layout");
        }

        await using var file = new FileStream(BlobPath(digest), FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, useAsync: false);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(1 << 20);
        try
        {
            int read;
            while ((read = await file.ReadAsync(buffer.AsMemory(0, 1 << 20), cancellationToken).ConfigureAwait(false)) > 0)
            {
                hash.AppendData(buffer, 0, read);
                await destination.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }

        var actual = Digest.FromHash(hash.GetHashAndReset());
        if (actual != digest)
        {
            throw new OciFormatException($"{Name}: blob {digest} is corrupt (its content hashes to {actual})");
        }
    }

    public async Task<FetchedManifest?> TryGetManifestAsync(string tagOrDigest, CancellationToken cancellationToken)
    {
        var index = await ReadIndexAsync(cancellationToken).ConfigureAwait(false);
        var entry = Digest.TryParse(tagOrDigest, out var digest)
            ? index.Manifests.FirstOrDefault(m => m.Digest == digest) ?? (File.Exists(BlobPath(digest)) ? new Descriptor(string.Empty, digest, 0) : null)
            : index.Manifests.LastOrDefault(m => m.Annotation(RefName) == tagOrDigest);
        if (entry is null || await ReadBlobAsync(entry.Digest, cancellationToken).ConfigureAwait(false) is not { } bytes)
        {
            return null;
        }

        var mediaType = entry.MediaType.Length > 0 ? entry.MediaType : OciJson.MediaTypeOf(bytes) ?? MediaTypes.ImageManifest;
        return new FetchedManifest(mediaType, bytes, entry.Digest);
    }

    public async Task<Digest> PutManifestAsync(byte[] bytes, string mediaType, string? tag, CancellationToken cancellationToken)
    {
        var digest = Digest.Of(bytes);
        await PushBlobAsync(new BlobSource(digest, bytes.Length, () => new MemoryStream(bytes, writable: false)), cancellationToken).ConfigureAwait(false);
        using var exclusive = await FileLock.AcquireAsync(LockPath(), cancellationToken).ConfigureAwait(false);
        var index = await ReadIndexAsync(cancellationToken).ConfigureAwait(false);
        var entry = new Descriptor(mediaType, digest, bytes.Length) { Annotations = tag is null ? null : new Dictionary<string, string> { [RefName] = tag } };

        // A tag names one manifest: the entry it named before is replaced. An untagged push keeps the manifest
        // reachable (index.json is the layout's only root) without naming it.
        var kept = index.Manifests.Where(m => tag is null ? m.Digest != digest || m.Annotation(RefName) is not null : m.Annotation(RefName) != tag).ToList();
        if (tag is not null)
        {
            kept = await TidyAsync(kept, index.Manifests.FirstOrDefault(m => m.Annotation(RefName) == tag)?.Digest, digest, bytes, cancellationToken).ConfigureAwait(false);
        }

        if (tag is not null || !kept.Any(m => m.Digest == digest))
        {
            kept.Add(entry);
        }

        await WriteAtomicallyAsync(Path.Combine(_root, "index.json"), new ImageIndex(kept).ToJson(), cancellationToken).ConfigureAwait(false);
        return digest;
    }

    public async Task<IReadOnlyList<string>> ListTagsAsync(CancellationToken cancellationToken) =>
        (await ReadIndexAsync(cancellationToken).ConfigureAwait(false)).Manifests.Select(m => m.Annotation(RefName)).OfType<string>().Distinct().ToList();

    public async Task DeleteManifestAsync(Digest digest, CancellationToken cancellationToken)
    {
        using var exclusive = await FileLock.AcquireAsync(LockPath(), cancellationToken).ConfigureAwait(false);
        var index = await ReadIndexAsync(cancellationToken).ConfigureAwait(false);
        await WriteAtomicallyAsync(Path.Combine(_root, "index.json"), new ImageIndex(index.Manifests.Where(m => m.Digest != digest).ToList()).ToJson(), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The entries left when a tag moves from <paramref name="previous"/> to <paramref name="tagged"/>: the untagged
    /// entries the new manifest covers (itself, an index's manifests) go, being reachable through the tag; so do the
    /// signature tags (<c>sha256-HEX.sig</c>) of the manifests only the old one covered and no other tag names.
    /// </summary>
    private async Task<List<Descriptor>> TidyAsync(List<Descriptor> entries, Digest? previous, Digest tagged, byte[] taggedBytes, CancellationToken cancellationToken)
    {
        var covered = Covered(tagged, taggedBytes);
        entries = entries.Where(m => m.Annotation(RefName) is not null || !covered.Contains(m.Digest)).ToList();
        if (previous is not { } old || old == tagged || await ReadBlobAsync(old, cancellationToken).ConfigureAwait(false) is not { } oldBytes)
        {
            return entries;
        }

        var stillNamed = new HashSet<Digest>(covered);
        foreach (var other in entries.Where(m => m.Annotation(RefName) is { } t && !t.EndsWith(".sig", StringComparison.Ordinal)))
        {
            stillNamed.UnionWith(await ReadBlobAsync(other.Digest, cancellationToken).ConfigureAwait(false) is { } bytes ? Covered(other.Digest, bytes) : [other.Digest]);
        }

        var stale = Covered(old, oldBytes).Where(d => !stillNamed.Contains(d)).Select(d => $"sha256-{d.Hex}.sig").ToHashSet(StringComparer.Ordinal);
        return entries.Where(m => m.Annotation(RefName) is not { } t || !stale.Contains(t)).ToList();
    }

    /// <summary>A manifest and, when it is an index, the manifests it lists.</summary>
    private static HashSet<Digest> Covered(Digest digest, byte[] bytes)
    {
        var covered = new HashSet<Digest> { digest };
        if (OciJson.MediaTypeOf(bytes) == MediaTypes.ImageIndex)
        {
            try
            {
                covered.UnionWith(ImageIndex.Parse(bytes).Manifests.Select(m => m.Digest));
            }
            catch (OciFormatException)
            {
                // Not an index after all: only the manifest itself.
            }
        }

        return covered;
    }

    /// <summary>The lock serialising index.json updates, outside the layout (a layout is a deliverable, not a work area).</summary>
    private string LockPath()
    {
        var cache = Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } xdg ? xdg : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
        var key = Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(_root)))[..32];
        return Path.Combine(cache, "unikernel-farm", "locks", $"oci-{key}.lock");
    }

    private async Task<ImageIndex> ReadIndexAsync(CancellationToken cancellationToken)
    {
        var path = Path.Combine(_root, "index.json");
        return File.Exists(path) ? ImageIndex.Parse(await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false)) : new ImageIndex([]);
    }

    private async Task<byte[]?> ReadBlobAsync(Digest digest, CancellationToken cancellationToken)
    {
        var path = BlobPath(digest);
        if (!File.Exists(path))
        {
            return null;
        }

        var bytes = await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false);
        return Digest.Of(bytes) == digest
            ? bytes
            : throw new OciFormatException($"{Name}: blob {digest} is corrupt (its content hashes to {Digest.Of(bytes)})");
    }

    private void EnsureLayout()
    {
        Directory.CreateDirectory(Path.Combine(_root, "blobs", "sha256"));
        var marker = Path.Combine(_root, "oci-layout");
        if (!File.Exists(marker))
        {
            InPlaceWrite.WriteAllBytes(marker, LayoutMarker);
        }

        var index = Path.Combine(_root, "index.json");
        if (!File.Exists(index))
        {
            InPlaceWrite.WriteAllBytes(index, new ImageIndex([]).ToJson());
        }
    }

    private async Task WriteAtomicallyAsync(string path, byte[] bytes, CancellationToken cancellationToken)
    {
        EnsureLayout();
        await InPlaceWrite.WriteAllBytesAsync(path, bytes, cancellationToken).ConfigureAwait(false);
    }

    private string BlobPath(Digest digest) => Path.Combine(_root, "blobs", "sha256", digest.Hex);
}
