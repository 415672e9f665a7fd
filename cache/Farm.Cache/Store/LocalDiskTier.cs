using Farm.Core.IO;

namespace Farm.Cache.Store;

/// <summary>
/// The worker's own disk: <c>v1/ac/&lt;scope&gt;/&lt;kk&gt;/&lt;key&gt;</c> and <c>v1/cas/&lt;hh&gt;/&lt;digest&gt;</c>.
/// Files appear by rename, so a reader never sees half an entry. A read touches the file's mtime; when the tier
/// grows past its cap, the least recently used files go first (checked on a sample of writes, so that a write
/// rarely pays for a scan).
/// </summary>
public sealed class LocalDiskTier : ICacheTier, IManifestStore
{
    private const int EvictionCheckEvery = 64;
    private readonly string _root;
    private readonly long _capBytes;

    public LocalDiskTier(string directory, long capBytes)
    {
        _root = Path.Combine(directory, "v1");
        _capBytes = capBytes;
    }

    public string Name => "local";

    public byte[]? GetAction(string scope, string key) => Read(ActionPath(scope, key));

    public void PutAction(string scope, string key, byte[] entry) => Write(ActionPath(scope, key), entry);

    public byte[]? GetObject(string digest) => Read(ObjectPath(digest));

    public void PutObject(string digest, byte[] content) => Write(ObjectPath(digest), content);

    public void DeleteAction(string scope, string key) => File.Delete(ActionPath(scope, key));

    /// <summary>Direct-mode manifests: local only (they describe this worker's files).</summary>
    public byte[]? GetManifest(string scope, string key) => Read(Path.Combine(_root, "mf", scope, key[..2], key));

    public void PutManifest(string scope, string key, byte[] manifest) => Write(Path.Combine(_root, "mf", scope, key[..2], key), manifest);

    public void DeleteObject(string digest) => File.Delete(ObjectPath(digest));

    /// <summary>Removes least recently used files until the tier is under 90 % of its cap.</summary>
    public void Evict()
    {
        if (!Directory.Exists(_root))
        {
            return;
        }

        var files = new DirectoryInfo(_root).EnumerateFiles("*", SearchOption.AllDirectories).Where(f => !f.Name.StartsWith('.')).ToList();
        var total = files.Sum(f => f.Length);
        if (total <= _capBytes)
        {
            return;
        }

        foreach (var file in files.OrderBy(f => f.LastWriteTimeUtc))
        {
            if (total <= _capBytes * 9 / 10)
            {
                break;
            }

            total -= file.Length;
            file.Delete();
        }
    }

    private string ActionPath(string scope, string key) => Path.Combine(_root, "ac", scope, key[..2], key);

    private string ObjectPath(string digest) => Path.Combine(_root, "cas", digest[..2], digest);

    private static byte[]? Read(string path)
    {
        try
        {
            // Only a regular file is an entry: reading a fifo planted in the cache would hang the compile.
            if (FileKinds.Of(path) != FileKind.Regular)
            {
                return null;
            }

            var bytes = File.ReadAllBytes(path);
            File.SetLastWriteTimeUtc(path, DateTime.UtcNow);
            return bytes;
        }
        catch (FileNotFoundException)
        {
            return null;
        }
        catch (DirectoryNotFoundException)
        {
            return null;
        }
    }

    private void Write(string path, byte[] bytes)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        InPlaceWrite.WriteAllBytes(path, bytes);

        if (Random.Shared.Next(EvictionCheckEvery) == 0 && EvictionDue())
        {
            Evict();
        }
    }

    /// <summary>How often a tier is scanned for eviction at most: the tier may grow past its cap for that long.</summary>
    public static readonly TimeSpan EvictionInterval = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Whether the last scan (by any process: a stamp file's time) is <see cref="EvictionInterval"/> old. A scan lists
    /// every file of the tier, and a cold build writes five files per compile: sampled writes alone scanned a tier of
    /// N files every 13 compiles, a cost growing with the tier.
    /// </summary>
    private bool EvictionDue()
    {
        var stamp = Path.Combine(_root, ".evicted");
        try
        {
            if (File.Exists(stamp) && DateTime.UtcNow - File.GetLastWriteTimeUtc(stamp) < EvictionInterval)
            {
                return false;
            }

            InPlaceWrite.WriteAllBytes(stamp, []);
            return true;
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException or RefusedWriteException)
        {
            return false;
        }
    }
}
