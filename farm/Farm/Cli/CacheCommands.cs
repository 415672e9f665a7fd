using System.CommandLine;
using System.Text.Json;
using Farm.Cache;
using Farm.Cache.Stats;

namespace Farm.Cli;

/// <summary><c>farm cache stats [--json] [--zero]</c>: the counters of the cache that the <c>FARM_CACHE_*</c> variables name.</summary>
internal static class CacheCommands
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var json = new Option<bool>("--json") { Description = "Print one JSON object" };
        var zero = new Option<bool>("--zero") { Description = "Reset the counters (after printing them)" };
        var stats = new Command("stats", "Hits, misses and uncacheable compiles, per tier, of the cache in FARM_CACHE_DIR");
        stats.Options.Add(json);
        stats.Options.Add(zero);
        stats.SetAction(result =>
        {
            var settings = CacheSettings.FromEnvironment();
            if (!settings.Enabled)
            {
                stderr.WriteLine("farm cache stats: FARM_CACHE_DIR is not set; it names the cache to report on");
                return FarmCli.InvalidInput;
            }

            var log = Path.Combine(settings.Directory!, "stats", "events.log");
            var statistics = CacheStatistics.Read(log);
            stdout.Write(result.GetValue(json) ? Json(statistics) : Text(settings.Directory!, statistics));
            if (result.GetValue(zero) && File.Exists(log))
            {
                File.WriteAllText(log, string.Empty);
            }

            return FarmCli.Success;
        });
        var cache = new Command("cache", "The build cache");
        cache.Subcommands.Add(stats);
        return cache;
    }

    private static string Text(string directory, CacheStatistics statistics)
    {
        var text = new System.Text.StringBuilder();
        text.AppendLine($"cache {directory}: {statistics.Hits} hits, {statistics.Misses} misses ({statistics.HitRate:P1} hit rate), {statistics.Uncacheable} uncacheable, {statistics.Stored} stored");
        foreach (var (name, tier) in statistics.Tiers)
        {
            text.AppendLine($"  {name,-8} {tier.Hits} hits, {tier.BytesRead / 1048576.0:0.0} MiB read, {tier.Errors} errors, {tier.Corrupt} corrupt");
        }

        foreach (var (reason, count) in statistics.UncacheableReasons)
        {
            text.AppendLine($"  uncacheable: {reason.Replace('_', ' ')}: {count}");
        }

        return text.ToString();
    }

    private static string Json(CacheStatistics statistics)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteNumber("hits", statistics.Hits);
            json.WriteNumber("misses", statistics.Misses);
            json.WriteNumber("uncacheable", statistics.Uncacheable);
            json.WriteNumber("stored", statistics.Stored);
            json.WriteStartObject("tiers");
            foreach (var (name, tier) in statistics.Tiers)
            {
                json.WriteStartObject(name);
                json.WriteNumber("hits", tier.Hits);
                json.WriteNumber("bytesRead", tier.BytesRead);
                json.WriteNumber("errors", tier.Errors);
                json.WriteNumber("corrupt", tier.Corrupt);
                json.WriteEndObject();
            }

            json.WriteEndObject();
            json.WriteStartObject("uncacheableReasons");
            foreach (var (reason, count) in statistics.UncacheableReasons)
            {
                json.WriteNumber(reason.Replace('_', ' '), count);
            }

            json.WriteEndObject();
            json.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.ToArray()) + Environment.NewLine;
    }
}
