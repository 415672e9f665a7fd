using System.Formats.Tar;
using System.Security.Cryptography;
using System.Text;
using Farm.Core.Oci;

namespace Farm.Cache.Store;

/// <summary>
/// The cold tier: one OCI manifest per (scope, target) in the cache repository, whose layers are tars of the
/// target's action entries and objects, split into a few layers of similar size. A fresh worker prefetches a
/// target's whole cache in a few parallel pulls instead of one round trip per object; every object is checked
/// against its digest and every entry parsed before it reaches the local disk.
/// </summary>
public static class CacheBundles
{
    public const string ConfigMediaType = "application/vnd.unikernel-farm.cache.config.v1+json";
    public const string LayerMediaType = "application/vnd.unikernel-farm.cache.bundle.v1.tar";
    private const int MaxLayers = 4;
    private const string SnapshotKind = "snapshot";

    /// <summary>The tag of a target's bundle in a scope: the scope, then a hash of the target's identity.</summary>
    public static string Tag(string scope, string target) =>
        $"{scope}-{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(target)))[..24]}";

    /// <summary>Publishes the entries of <paramref name="keys"/> that <paramref name="scope"/> holds on local disk; returns how many.</summary>
    public static Task<int> PublishAsync(IOciRepository repository, string scope, string target, IEnumerable<string> keys, LocalDiskTier local, CancellationToken cancellationToken) =>
        PublishAsync(repository, scope, target, keys, null, local, cancellationToken);

    /// <summary>
    /// Publishes the entries of <paramref name="keys"/> that <paramref name="scope"/> holds on local disk, and the
    /// build's <paramref name="snapshot"/> with every object it names (when local disk holds them all); returns how
    /// many compile entries.
    /// </summary>
    public static async Task<int> PublishAsync(IOciRepository repository, string scope, string target, IEnumerable<string> keys, BundledSnapshot? snapshot, LocalDiskTier local, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(repository);
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentNullException.ThrowIfNull(local);
        var entries = new List<(string Name, byte[] Bytes)>();
        var objects = new HashSet<string>(StringComparer.Ordinal);
        var count = 0;
        foreach (var key in keys.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
        {
            if (local.GetAction(scope, key) is not { } action || ActionEntry.TryParse(action) is not { } entry || local.GetObject(entry.ObjectDigest) is not { } content)
            {
                continue;
            }

            entries.Add(($"ac/{key}", action));
            count++;
            if (objects.Add(entry.ObjectDigest))
            {
                entries.Add(($"cas/{entry.ObjectDigest}", content));
            }
        }

        if (snapshot is not null && local.GetAction(scope, snapshot.Key) is { } recorded && Contents(snapshot, objects, local) is { } contents)
        {
            entries.Add(($"{SnapshotKind}/{snapshot.Key}", recorded));
            entries.AddRange(contents);
        }

        if (entries.Count == 0)
        {
            return 0;
        }

        var layers = Split(entries).Select(group => BlobSource.FromBytes(Tar(group))).ToList();
        var config = BlobSource.FromBytes(Encoding.UTF8.GetBytes($"{{\"scope\":\"{scope}\",\"entries\":{count}}}"));
        foreach (var blob in layers.Append(config))
        {
            await repository.PushBlobAsync(blob, cancellationToken).ConfigureAwait(false);
        }

        var manifest = new ImageManifest(
            new Descriptor(ConfigMediaType, config.Digest, config.Size),
            layers.Select(l => new Descriptor(LayerMediaType, l.Digest, l.Size)).ToList());
        await repository.PutManifestAsync(manifest.ToJson(), MediaTypes.ImageManifest, Tag(scope, target), cancellationToken).ConfigureAwait(false);
        return count;
    }

    /// <summary>Pulls a target's bundle of <paramref name="scope"/> into local disk; returns how many entries arrived.</summary>
    public static async Task<int> PrefetchAsync(IOciRepository repository, string scope, string target, LocalDiskTier local, CancellationToken cancellationToken) =>
        (await PrefetchAsync(repository, scope, target, local, isSnapshot: null, cancellationToken).ConfigureAwait(false)).Keys.Count;

    /// <summary>
    /// Pulls a target's bundle of <paramref name="scope"/> into local disk: every object whose content matches its
    /// digest, every compile entry that parses, and the build snapshot when <paramref name="isSnapshot"/> accepts it
    /// (without a judge, a snapshot is left out: the cache cannot read one).
    /// </summary>
    public static async Task<PrefetchedBundle> PrefetchAsync(IOciRepository repository, string scope, string target, LocalDiskTier local, Func<byte[], bool>? isSnapshot, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(repository);
        ArgumentNullException.ThrowIfNull(local);
        var fetched = await repository.TryGetManifestAsync(Tag(scope, target), cancellationToken).ConfigureAwait(false);
        if (fetched is null || fetched.IsIndex)
        {
            return new PrefetchedBundle([], null);
        }

        var manifest = ImageManifest.Parse(fetched.Bytes);
        var layers = await Task.WhenAll(manifest.Layers.Where(l => l.MediaType == LayerMediaType)
            .Select(l => repository.GetBlobAsync(l.Digest, cancellationToken))).ConfigureAwait(false);
        var keys = new List<string>();
        string? snapshotKey = null;
        foreach (var layer in layers)
        {
            using var reader = new TarReader(new MemoryStream(layer));
            while (await reader.GetNextEntryAsync(copyData: false, cancellationToken).ConfigureAwait(false) is { } item)
            {
                if (item.DataStream is null)
                {
                    continue;
                }

                using var buffer = new MemoryStream();
                await item.DataStream.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
                var bytes = buffer.ToArray();
                var slash = item.Name.IndexOf('/', StringComparison.Ordinal);
                var (kind, name) = slash > 0 ? (item.Name[..slash], item.Name[(slash + 1)..]) : (string.Empty, item.Name);
                if (kind == "cas" && name.Length == 64 && Convert.ToHexStringLower(SHA256.HashData(bytes)) == name)
                {
                    local.PutObject(name, bytes);
                }
                else if (kind == "ac" && name.Length == 64 && ActionEntry.TryParse(bytes) is not null)
                {
                    local.PutAction(scope, name, bytes);
                    keys.Add(name);
                }
                else if (kind == SnapshotKind && name.Length == 64 && snapshotKey is null && isSnapshot is not null && isSnapshot(bytes))
                {
                    local.PutAction(scope, name, bytes);
                    snapshotKey = name;
                }
            }
        }

        return new PrefetchedBundle(keys, snapshotKey);
    }

    /// <summary>Every object <paramref name="snapshot"/> names that is not in the bundle yet; null when local disk lacks one (a snapshot is published whole or not at all).</summary>
    private static List<(string Name, byte[] Bytes)>? Contents(BundledSnapshot snapshot, IReadOnlySet<string> bundled, LocalDiskTier local)
    {
        var contents = new List<(string Name, byte[] Bytes)>();
        foreach (var digest in snapshot.ObjectDigests.Distinct(StringComparer.Ordinal).Where(d => !bundled.Contains(d)))
        {
            if (local.GetObject(digest) is not { } content)
            {
                return null;
            }

            contents.Add(($"cas/{digest}", content));
        }

        return contents;
    }

    private static IEnumerable<List<(string Name, byte[] Bytes)>> Split(List<(string Name, byte[] Bytes)> entries)
    {
        var total = entries.Sum(e => (long)e.Bytes.Length);
        var target = Math.Max(1, total / MaxLayers);
        var group = new List<(string, byte[])>();
        long size = 0;
        foreach (var entry in entries)
        {
            group.Add(entry);
            size += entry.Bytes.Length;
            if (size >= target && entry.Name.StartsWith("cas/", StringComparison.Ordinal))
            {
                yield return group;
                group = [];
                size = 0;
            }
        }

        if (group.Count > 0)
        {
            yield return group;
        }
    }

    private static byte[] Tar(IEnumerable<(string Name, byte[] Bytes)> entries)
    {
        using var buffer = new MemoryStream();
        using (var writer = new TarWriter(buffer, TarEntryFormat.Ustar, leaveOpen: true))
        {
            foreach (var (name, bytes) in entries)
            {
                writer.WriteEntry(new UstarTarEntry(TarEntryType.RegularFile, name)
                {
                    DataStream = new MemoryStream(bytes),
                    ModificationTime = DateTimeOffset.UnixEpoch,
                    Mode = (UnixFileMode)0x1A4,
                });
            }
        }

        return buffer.ToArray();
    }
}
