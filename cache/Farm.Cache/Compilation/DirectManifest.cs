using System.Text;
using Farm.Cache.Keys;

namespace Farm.Cache.Compilation;

/// <summary>
/// A direct-mode manifest: up to <see cref="ManifestEntries"/> entries, newest first, each the key of a compile's
/// entry and the digests of the files that compile read; kept in the shared tiers under a key of its own.
/// </summary>
public static class DirectManifest
{
    /// <summary>Where a manifest lives in the shared tiers: an action key of its own, never a compile's.</summary>
    public static string ManifestKey(string directKey) =>
        Convert.ToHexStringLower(Sha256.HashData(Encoding.UTF8.GetBytes($"{CacheKey.SchemaVersion}-manifest:{directKey}")));

    /// <summary>
    /// The key of the first entry of the manifest whose files are all unchanged, or null. A manifest holds up to
    /// <see cref="ManifestEntries"/> entries, newest first, each a key line and its files' digest lines, so that two
    /// configurations built in turn with the same arguments do not replace each other's entry.
    /// </summary>
    public static string? Resolve(byte[] manifest, PrefixMap prefixes, string directory)
    {
        ArgumentNullException.ThrowIfNull(prefixes);
        string? key = null;
        var unchanged = false;
        foreach (var line in Encoding.UTF8.GetString(manifest).Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var tab = line.IndexOf('\t', StringComparison.Ordinal);
            if (tab < 0 && line.Length == 64)
            {
                if (key is not null && unchanged)
                {
                    return key;
                }

                (key, unchanged) = (line, true);
                continue;
            }

            if (tab != 64 || key is null)
            {
                return null;
            }

            if (unchanged)
            {
                var path = Path.GetFullPath(prefixes.Denormalise(line[(tab + 1)..]), directory);
                unchanged = DirectMode.ReadIfPresent(path) is { } bytes && Convert.ToHexStringLower(Sha256.HashData(bytes)) == line[..tab];
            }
        }

        return unchanged ? key : null;
    }

    /// <summary>How many entries a manifest keeps (ccache keeps more; a target has few configurations per worker).</summary>
    public const int ManifestEntries = 8;

    /// <summary>
    /// <paramref name="entry"/> (one entry) first, then the entries of <paramref name="existing"/> with other keys, up to
    /// <see cref="ManifestEntries"/>; an existing manifest that does not parse is dropped.
    /// </summary>
    public static byte[] Merge(byte[] entry, byte[]? existing)
    {
        ArgumentNullException.ThrowIfNull(entry);
        if (existing is null || existing.Length == 0)
        {
            return entry;
        }

        var text = new StringBuilder(Encoding.UTF8.GetString(entry));
        var newKey = text.ToString(0, Math.Min(64, text.Length));
        var kept = 1;
        var copying = false;
        foreach (var line in Encoding.UTF8.GetString(existing).Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var tab = line.IndexOf('\t', StringComparison.Ordinal);
            if (tab < 0 && line.Length == 64)
            {
                copying = line != newKey && kept < ManifestEntries;
                kept += copying ? 1 : 0;
            }
            else if (tab != 64)
            {
                return entry;
            }

            if (copying)
            {
                text.Append(line).Append('\n');
            }
        }

        return Encoding.UTF8.GetBytes(text.ToString());
    }

    /// <summary>The compile keys <paramref name="manifest"/> leads to (its entries' key lines); empty when it does not parse.</summary>
    public static IReadOnlyList<string> Keys(byte[] manifest)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        var keys = new List<string>();
        foreach (var line in Encoding.UTF8.GetString(manifest).Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var tab = line.IndexOf('\t', StringComparison.Ordinal);
            if (tab < 0 && line.Length == 64)
            {
                keys.Add(line);
            }
            else if (tab != 64)
            {
                return [];
            }
        }

        return keys;
    }
}
