using System.Text.Json;
using Farm.Core.Builds;

namespace Farm.State.Postgres;

/// <summary>
/// A target's per-tier cache figures as stored in <c>farm.targets.cache_tiers</c>:
/// <c>{"local": {"hits": 3, "errors": 0, "bytes": 4096}}</c>. Only the known tiers are written, so a worker's report
/// cannot grow the column with names of its own.
/// </summary>
internal static class CacheTierJson
{
    public static string Write(IReadOnlyDictionary<string, TierUse> tiers)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            foreach (var name in TierUse.Names)
            {
                if (tiers.TryGetValue(name, out var use))
                {
                    json.WriteStartObject(name);
                    json.WriteNumber("hits", use.Hits);
                    json.WriteNumber("errors", use.Errors);
                    json.WriteNumber("bytes", use.BytesRead);
                    json.WriteEndObject();
                }
            }

            json.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }

    public static IReadOnlyDictionary<string, TierUse> Read(string text)
    {
        var tiers = new Dictionary<string, TierUse>(StringComparer.Ordinal);
        using var json = JsonDocument.Parse(text);
        foreach (var tier in json.RootElement.EnumerateObject())
        {
            long Number(string name) => tier.Value.TryGetProperty(name, out var v) && v.TryGetInt64(out var n) ? n : 0;
            tiers[tier.Name] = new TierUse(Number("hits"), Number("errors"), Number("bytes"));
        }

        return tiers;
    }
}
