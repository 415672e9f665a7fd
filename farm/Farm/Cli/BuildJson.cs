using System.Text.Json;
using Farm.Core.Builds;

namespace Farm.Cli;

/// <summary><c>farm build --json</c>: every build's result, and the paths refused before building with their errors.</summary>
internal static class BuildJson
{
    public static string Write(List<(BuildRecord Build, IReadOnlyList<TargetRecord> Targets)> finished, List<(string Path, IReadOnlyList<string> Errors)> rejected)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteStartArray("builds");
            foreach (var (build, targets) in finished)
            {
                json.WriteStartObject();
                json.WriteString("id", build.Id);
                json.WriteString("app", build.App);
                json.WriteString("kraftfile", build.KraftfilePath);
                json.WriteString("state", build.State.Name());
                json.WriteString("image", build.Output);
                json.WriteString("indexDigest", build.IndexDigest);
                json.WriteString("reason", build.Reason);
                json.WriteStartArray("targets");
                foreach (var target in targets)
                {
                    json.WriteStartObject();
                    json.WriteString("name", target.Target);
                    json.WriteString("kernel", target.Name);
                    json.WriteString("platform", target.Platform);
                    json.WriteString("architecture", target.Architecture);
                    json.WriteString("state", target.State.Name());
                    json.WriteString("worker", target.Worker);
                    json.WriteString("manifestDigest", target.ManifestDigest);
                    WriteNumber(json, "seconds", target.BuildSeconds);
                    WriteNumber(json, "bootSeconds", target.BootSeconds);
                    json.WriteBoolean("cached", target.Cached);
                    json.WriteStartObject("cache");
                    json.WriteNumber("hits", target.CacheHits);
                    json.WriteNumber("misses", target.CacheMisses);
                    json.WriteNumber("errors", target.CacheErrors);
                    json.WriteEndObject();
                    json.WriteString("reason", target.Reason);
                    json.WriteEndObject();
                }

                json.WriteEndArray();
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteStartArray("rejected");
            foreach (var (path, errors) in rejected)
            {
                json.WriteStartObject();
                json.WriteString("path", path);
                json.WriteStartArray("errors");
                foreach (var error in errors)
                {
                    json.WriteStringValue(error);
                }

                json.WriteEndArray();
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void WriteNumber(Utf8JsonWriter json, string name, double? value)
    {
        if (value is { } v)
        {
            json.WriteNumber(name, Math.Round(v, 2));
        }
        else
        {
            json.WriteNull(name);
        }
    }
}
