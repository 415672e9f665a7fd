using System.Formats.Tar;
using System.Security.Cryptography;
using System.Text;
using Farm.Core.Oci;

namespace Farm.State.Sources;

/// <summary>
/// Resolved source trees kept in the registry as OCI images of one tar layer each, tagged by repository and
/// commit (<c>src-&lt;url hash&gt;-&lt;commit&gt;</c>): a worker that finds a tree there extracts it and never clones.
/// Tars are deterministic (sorted entries, mtime 0, root-owned), so the same tree is the same blob everywhere.
/// </summary>
public sealed class SourceArchive
{
    public const string TreeAnnotation = "org.unikernel-farm.source.tree";
    private const string ConfigMediaType = "application/vnd.unikernel-farm.source.config.v1+json";
    private readonly IOciRepository _repository;

    public SourceArchive(IOciRepository repository)
    {
        _repository = repository;
    }

    public string Name => _repository.Name;

    public static string Tag(string url, string commit) =>
        $"src-{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(url)))[..20]}-{commit}";

    /// <summary>Extracts the tree of <paramref name="commit"/> into <c>trees/&lt;tree&gt;</c>; returns the tree id, or null when the registry lacks it.</summary>
    public async Task<string?> TryRestoreAsync(string url, string commit, string treesRoot, CancellationToken cancellationToken)
    {
        var fetched = await _repository.TryGetManifestAsync(Tag(url, commit), cancellationToken).ConfigureAwait(false);
        if (fetched is null || fetched.IsIndex)
        {
            return null;
        }

        var manifest = ImageManifest.Parse(fetched.Bytes);
        if (manifest.Annotations?.GetValueOrDefault(TreeAnnotation) is not { Length: 40 } tree || manifest.Layers.Count != 1)
        {
            return null;
        }

        var directory = Path.Combine(treesRoot, tree);
        if (Directory.Exists(directory))
        {
            return tree;
        }

        var staging = Path.Combine(treesRoot, $".partial-{Guid.NewGuid():N}");
        Directory.CreateDirectory(staging);
        try
        {
            var layer = await _repository.GetBlobAsync(manifest.Layers[0].Digest, cancellationToken).ConfigureAwait(false);
            // The registry is not trusted more than a repository: a layer with a link out of the tree is not used.
            var report = Farm.Core.IO.SafeTarExtractor.Extract(new MemoryStream(layer, writable: false), staging, allowLinksOutside: false, cancellationToken);
            if (report.Refused.Count > 0)
            {
                throw new IOException($"the archived tree {Tag(url, commit)} is refused: {string.Join("; ", report.Refused.Select(r => $"{r.Path}: {r.Reason}"))}");
            }

            try
            {
                Directory.Move(staging, directory);
            }
            catch (IOException) when (Directory.Exists(directory))
            {
                // Extracted concurrently by another build; identical.
            }
        }
        finally
        {
            if (Directory.Exists(staging))
            {
                Directory.Delete(staging, recursive: true);
            }
        }

        return tree;
    }

    public async Task PublishAsync(string url, string commit, string tree, string directory, CancellationToken cancellationToken)
    {
        var layer = BlobSource.FromBytes(Tar(directory));
        var config = BlobSource.FromBytes(Encoding.UTF8.GetBytes($"{{\"url\":\"{url.Replace("\"", string.Empty, StringComparison.Ordinal)}\",\"commit\":\"{commit}\",\"tree\":\"{tree}\"}}"));
        await _repository.PushBlobAsync(layer, cancellationToken).ConfigureAwait(false);
        await _repository.PushBlobAsync(config, cancellationToken).ConfigureAwait(false);
        var manifest = new ImageManifest(new Descriptor(ConfigMediaType, config.Digest, config.Size), [new Descriptor(MediaTypes.Layer, layer.Digest, layer.Size)])
        {
            Annotations = new Dictionary<string, string> { [TreeAnnotation] = tree },
        };
        await _repository.PutManifestAsync(manifest.ToJson(), MediaTypes.ImageManifest, Tag(url, commit), cancellationToken).ConfigureAwait(false);
    }

    private static byte[] Tar(string directory)
    {
        using var buffer = new MemoryStream();
        using (var writer = new TarWriter(buffer, TarEntryFormat.Pax, leaveOpen: true))
        {
            foreach (var path in Directory.EnumerateFileSystemEntries(directory, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
            {
                var name = Path.GetRelativePath(directory, path);
                var info = new FileInfo(path);
                PaxTarEntry entry;
                if (info.LinkTarget is { } target)
                {
                    entry = new PaxTarEntry(TarEntryType.SymbolicLink, name) { LinkName = target };
                }
                else if (Directory.Exists(path))
                {
                    entry = new PaxTarEntry(TarEntryType.Directory, name + "/");
                }
                else
                {
                    entry = new PaxTarEntry(TarEntryType.RegularFile, name) { DataStream = File.OpenRead(path) };
                }

                entry.ModificationTime = DateTimeOffset.UnixEpoch;
                entry.Mode = File.GetUnixFileMode(path);
                writer.WriteEntry(entry);
                entry.DataStream?.Dispose();
            }
        }

        return buffer.ToArray();
    }
}
