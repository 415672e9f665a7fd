using System.CommandLine;
using System.Text.Json;
using Farm.Cache;
using Farm.Cache.Stats;
using Farm.Cache.Store;
using Farm.Core.IO;
using Farm.Core.Oci;
using Farm.Core.Oci.Distribution;

namespace Farm.Cli;

/// <summary>
/// <c>farm cache stats [--json] [--zero]</c>: the counters of the cache that the <c>FARM_CACHE_*</c> variables name.
/// <c>farm cache push NAME</c> / <c>farm cache pull NAME</c>: a build's registry bundle (the entries its event log names),
/// for builds that run outside the worker (a plain <c>make CC="farm-cc gcc"</c>, a CI job): pull before, push after.
/// </summary>
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
                return ExitCodes.InvalidInput;
            }

            var log = Path.Combine(settings.Directory!, "stats", "events.log");
            var statistics = CacheStatistics.Read(log);
            stdout.Write(result.GetValue(json) ? Json(statistics) : Text(settings.Directory!, statistics));
            if (result.GetValue(zero) && File.Exists(log))
            {
                InPlaceWrite.WriteAllBytes(log, []);
            }

            return ExitCodes.Success;
        });
        var cache = new Command("cache", "The build cache");
        cache.Subcommands.Add(stats);
        cache.Subcommands.Add(Push(stdout, stderr));
        cache.Subcommands.Add(Pull(stdout, stderr));
        return cache;
    }

    private static Command Push(TextWriter stdout, TextWriter stderr)
    {
        var name = new Argument<string>("NAME") { Description = "The build's bundle name (the worker uses APP/KERNEL)" };
        var events = new Option<string?>("--events") { Description = "The build's event log (default: FARM_CACHE_EVENTS)" };
        var push = new Command("push", "Publish the entries a build used (its event log) as one bundle in FARM_CACHE_REGISTRY");
        push.Arguments.Add(name);
        push.Options.Add(events);
        push.SetAction(async (result, cancellationToken) =>
        {
            if (Open("push", stderr) is not { } opened)
            {
                return ExitCodes.InvalidInput;
            }

            var (settings, repository) = opened;
            var log = result.GetValue(events) ?? settings.TargetEvents;
            if (log is null || !File.Exists(log))
            {
                stderr.WriteLine($"farm cache push: no event log {(log is null ? "(set FARM_CACHE_EVENTS for the build, or give --events)" : log)}");
                return ExitCodes.InvalidInput;
            }

            if (settings.ReadOnly)
            {
                stderr.WriteLine("farm cache push: FARM_CACHE_READONLY is set; nothing published");
                return ExitCodes.InvalidInput;
            }

            try
            {
                var count = await CacheBundles.PublishAsync(repository, settings.Scope.WriteScope, result.GetValue(name)!, CacheEvents.KeysIn(log), Local(settings), cancellationToken).ConfigureAwait(false);
                stdout.WriteLine($"published {count} entries of {result.GetValue(name)} ({settings.Scope.WriteScope}) to {repository.Name}");
                return ExitCodes.Success;
            }
            catch (Exception ex) when (ex is RegistryException or IOException or OciFormatException or HttpRequestException)
            {
                stderr.WriteLine($"farm cache push: {repository.Name}: {ex.Message}");
                return ExitCodes.InvalidInput;
            }
        });
        return push;
    }

    private static Command Pull(TextWriter stdout, TextWriter stderr)
    {
        var name = new Argument<string>("NAME") { Description = "The build's bundle name" };
        var pull = new Command("pull", "Prefetch a build's bundle from FARM_CACHE_REGISTRY into FARM_CACHE_DIR (every scope the build reads)");
        pull.Arguments.Add(name);
        pull.SetAction(async (result, cancellationToken) =>
        {
            if (Open("pull", stderr) is not { } opened)
            {
                return ExitCodes.InvalidInput;
            }

            var (settings, repository) = opened;
            try
            {
                foreach (var scope in settings.Scope.ReadScopes)
                {
                    var count = await CacheBundles.PrefetchAsync(repository, scope, result.GetValue(name)!, Local(settings), cancellationToken).ConfigureAwait(false);
                    stdout.WriteLine($"prefetched {count} entries of {result.GetValue(name)} ({scope}) from {repository.Name}");
                }

                return ExitCodes.Success;
            }
            catch (Exception ex) when (ex is RegistryException or IOException or OciFormatException or HttpRequestException)
            {
                stderr.WriteLine($"farm cache pull: {repository.Name}: {ex.Message}");
                return ExitCodes.InvalidInput;
            }
        });
        return pull;
    }

    private static (CacheSettings Settings, RegistryRepository Repository)? Open(string verb, TextWriter stderr)
    {
        var settings = CacheSettings.FromEnvironment();
        if (!settings.Enabled)
        {
            stderr.WriteLine($"farm cache {verb}: FARM_CACHE_DIR is not set; it names the local cache");
            return null;
        }

        if (CacheRegistry.Open(settings.Registry) is not { } repository)
        {
            stderr.WriteLine($"farm cache {verb}: FARM_CACHE_REGISTRY is not set (host:port/repository)");
            return null;
        }

        return (settings, repository);
    }

    private static LocalDiskTier Local(CacheSettings settings) => new(settings.Directory!, settings.MaxSizeBytes);

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
