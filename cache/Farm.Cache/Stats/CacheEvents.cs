namespace Farm.Cache.Stats;

/// <summary>
/// What each farm-cc run did, appended as one short line to <c>stats/events.log</c> under the cache directory
/// (appends of a few bytes are atomic, so concurrent compiles never mix their lines): <c>hit local</c>,
/// <c>hit redis</c>, <c>miss</c>, <c>uncacheable REASON</c>, <c>error TIER KIND</c>, <c>corrupt TIER</c>,
/// <c>bytes TIER N</c>. <c>farm cache stats</c> sums them; <c>--zero</c> empties the file.
/// </summary>
public sealed class CacheEvents
{
    private readonly string? _path;
    private readonly List<string> _lines = [];

    public CacheEvents(string? cacheDirectory)
    {
        _path = cacheDirectory is null ? null : Path.Combine(cacheDirectory, "stats", "events.log");
    }

    public void Hit(string tier) => _lines.Add($"hit {tier}");

    public void Miss() => _lines.Add("miss");

    public void Uncacheable(string reason) => _lines.Add($"uncacheable {Clean(reason)}");

    public void Error(string tier, string kind) => _lines.Add($"error {tier} {Clean(kind)}");

    public void Corrupt(string tier) => _lines.Add($"corrupt {tier}");

    public void Bytes(string tier, long bytes) => _lines.Add($"bytes {tier} {bytes}");

    public IReadOnlyList<string> Lines => _lines;

    /// <summary>Appends this run's lines in one write. Statistics must never fail a compile.</summary>
    public void Flush()
    {
        if (_path is null || _lines.Count == 0)
        {
            return;
        }

        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(_path)!);
            File.AppendAllText(_path, string.Join('\n', _lines) + "\n");
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private static string Clean(string text) => text.Replace('\n', ' ').Replace(' ', '_');
}
