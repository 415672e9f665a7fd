using System.Text.Json;

namespace Farm.Action;

/// <summary>
/// One build as the farm reports it, the same shape from <c>farm build --json</c> (local) and
/// <c>GET /api/builds/{id}</c> (remote): its state, index digest and targets.
/// </summary>
internal sealed record BuildReport(string App, string State, string? Image, string? IndexDigest, string? Reason, IReadOnlyList<TargetReport> Targets)
{
    public bool Succeeded => State == "succeeded";

    public static BuildReport Parse(JsonElement build)
    {
        static string? Text(JsonElement e, string name) => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
        static double? Number(JsonElement e, string name) => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble() : null;
        var targets = new List<TargetReport>();
        if (build.TryGetProperty("targets", out var list) && list.ValueKind == JsonValueKind.Array)
        {
            foreach (var t in list.EnumerateArray())
            {
                var cache = t.TryGetProperty("cache", out var c) && c.ValueKind == JsonValueKind.Object ? c : default;
                targets.Add(new TargetReport(
                    Text(t, "name") ?? "?",
                    Text(t, "kernel") ?? "?",
                    $"{Text(t, "platform")}/{Text(t, "architecture")}",
                    Text(t, "state") ?? "?",
                    Text(t, "manifestDigest"),
                    Number(t, "seconds"),
                    Number(t, "bootSeconds"),
                    t.TryGetProperty("cached", out var cached) && cached.ValueKind == JsonValueKind.True,
                    cache.ValueKind == JsonValueKind.Object ? (int)(Number(cache, "hits") ?? 0) : 0,
                    cache.ValueKind == JsonValueKind.Object ? (int)(Number(cache, "misses") ?? 0) : 0,
                    Text(t, "reason")));
            }
        }

        return new BuildReport(Text(build, "app") ?? "?", Text(build, "state") ?? "?", Text(build, "image"), Text(build, "indexDigest"), Text(build, "reason"), targets);
    }

    /// <summary>The <c>targets</c> output: one object per target.</summary>
    public string TargetsJson() => JsonSerializer.Serialize(Targets.Select(t => new Dictionary<string, object?>
    {
        ["target"] = t.Name,
        ["platform"] = t.Platform,
        ["state"] = t.State,
        ["manifestDigest"] = t.ManifestDigest,
        ["buildSeconds"] = t.BuildSeconds,
        ["bootSeconds"] = t.BootSeconds,
        ["cached"] = t.Cached,
        ["cacheHits"] = t.CacheHits,
        ["cacheMisses"] = t.CacheMisses,
        ["reason"] = t.Reason,
    }));
}

internal sealed record TargetReport(string Name, string Kernel, string Platform, string State, string? ManifestDigest, double? BuildSeconds, double? BootSeconds, bool Cached, int CacheHits, int CacheMisses, string? Reason);
