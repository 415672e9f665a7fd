using System.Security.Cryptography;
using Farm.Core.IO;

namespace Farm.Worker.Caching.Snapshots;

/// <summary>
/// Each file's SHA-256 once per capture or restore (headers are listed by hundreds of objects), hashed two at a time
/// when asked for many. Contents as they are: a generated <c>config.h</c> that names another app directory
/// (<c>CONFIG_UK_APP</c>) is another input, as it is for farm-cc, because <c>-g3</c> puts its macros into the object.
/// Only regular files (never through a link) under a size cap have a digest.
/// </summary>
internal sealed class FileDigests
{
    public const long MaxFileBytes = 256L << 20;

    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, string?> _known = new(StringComparer.Ordinal);

    public string? Of(string path) => _known.GetOrAdd(path, Compute);

    /// <summary>Hashes the paths not yet known on both cores; a header read once is then a dictionary look-up.</summary>
    public void Prefetch(IEnumerable<string> paths) =>
        Parallel.ForEach(paths.Distinct(StringComparer.Ordinal), new ParallelOptions { MaxDegreeOfParallelism = Math.Min(4, Environment.ProcessorCount) }, path => Of(path));

    /// <summary>Forgets what was hashed (after the restore wrote files the next checks read).</summary>
    public void Forget(string path) => _known.TryRemove(path, out _);

    public static bool IsRegular(string path, long maxBytes) => FileKinds.Of(path) == FileKind.Regular && new FileInfo(path).Length <= maxBytes;

    private static string? Compute(string path) =>
        IsRegular(path, MaxFileBytes) ? Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path))) : null;
}
