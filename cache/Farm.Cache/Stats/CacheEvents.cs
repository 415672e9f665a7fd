namespace Farm.Cache.Stats;

/// <summary>
/// What each farm-cc run did, appended as one short line to <c>stats/events.log</c> under the cache directory
/// (appends of a few bytes are atomic, so concurrent compiles never mix their lines): <c>hit TIER KEY</c>,
/// <c>miss KEY</c>, <c>stored SCOPE KEY</c>, <c>manifest KEY</c>, <c>uncacheable REASON</c>, <c>error TIER KIND</c>,
/// <c>corrupt TIER</c>, <c>bytes TIER N</c>. <c>farm cache stats</c> sums them; <c>--zero</c> empties the file.
/// </summary>
public sealed class CacheEvents
{
    private readonly string? _path;
    private readonly string? _targetPath;
    private readonly List<string> _lines = [];

    /// <param name="targetLog">A second log for one target's build (<c>FARM_CACHE_EVENTS</c>): the worker reads it for
    /// the target's counters and for the keys to publish to the registry tier.</param>
    public CacheEvents(string? cacheDirectory, string? targetLog = null)
    {
        _path = cacheDirectory is null ? null : Path.Combine(cacheDirectory, "stats", "events.log");
        _targetPath = targetLog;
    }

    public void Hit(string tier, string key) => _lines.Add($"hit {tier} {key}");

    public void Miss(string key) => _lines.Add($"miss {key}");

    /// <summary>The hit before it came through a direct-mode manifest, without running the preprocessor.</summary>
    public void Direct() => _lines.Add("direct");

    /// <summary>A direct-mode manifest, stored in the tiers under <paramref name="key"/>, that this compile used or wrote.</summary>
    public void Manifest(string key) => _lines.Add($"manifest {key}");

    /// <summary>A compile stored under <paramref name="key"/> in <paramref name="scope"/>.</summary>
    public void Stored(string scope, string key) => _lines.Add($"stored {scope} {key}");

    public void Uncacheable(string reason) => _lines.Add($"uncacheable {Clean(reason)}");

    public void Error(string tier, string kind) => _lines.Add($"error {tier} {Clean(kind)}");

    public void Corrupt(string tier) => _lines.Add($"corrupt {tier}");

    public void Bytes(string tier, long bytes) => _lines.Add($"bytes {tier} {bytes}");

    public IReadOnlyList<string> Lines => _lines;

    /// <summary>The keys a log names as hit, missed or stored: what a build used, so what its registry bundle holds.</summary>
    public static IReadOnlyList<string> KeysIn(string log) =>
        !File.Exists(log)
            ? []
            : File.ReadLines(log).Select(l => l.Split(' ')).Where(p => p.Length >= 2 && p[0] is "hit" or "miss" or "stored" or "manifest").Select(p => p[^1]).Distinct(StringComparer.Ordinal).ToList();

    /// <summary>Appends this run's lines in one write. Statistics must never fail a compile.</summary>
    public void Flush()
    {
        if (_lines.Count == 0)
        {
            return;
        }

        var text = string.Join('\n', _lines) + "\n";
        foreach (var path in new[] { _path, _targetPath })
        {
            if (path is null)
            {
                continue;
            }

            try
            {
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                AppendOnlyFile.TryAppend(path, System.Text.Encoding.UTF8.GetBytes(text));
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
    }

    private static string Clean(string text) => text.Replace('\n', ' ').Replace(' ', '_');
}
