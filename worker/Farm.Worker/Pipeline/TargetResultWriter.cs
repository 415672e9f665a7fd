using System.Text.Json;
using Farm.Core.IO;
using Farm.Worker.Smoke;

namespace Farm.Worker.Pipeline;

/// <summary>
/// Writes <c>result.json</c>: <c>{"target","platform","architecture","status","reason","kernel","kernelSha256",
/// "buildSeconds","builder","image":{...},"smoke":{"status","runner","seconds","reason"}}</c>. Written through
/// <see cref="InPlaceWrite"/>: a reader never sees half a file, and an output directory's <c>result.json</c> that is a
/// link or a device is refused, not replaced.
/// </summary>
internal static class TargetResultWriter
{
    public static async Task WriteAsync(string path, TargetResult result, CancellationToken cancellationToken)
    {
        await InPlaceWrite.WriteAsync(
            path,
            async (stream, ct) =>
            {
                await using var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
                Write(json, result);
                await json.FlushAsync(ct).ConfigureAwait(false);
            },
            cancellationToken).ConfigureAwait(false);
    }

    public static string ToJson(TargetResult result)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            Write(json, result);
        }

        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void Write(Utf8JsonWriter json, TargetResult result)
    {
        json.WriteStartObject();
        json.WriteString("target", result.Target);
        json.WriteString("platform", result.Platform);
        json.WriteString("architecture", result.Architecture);
        json.WriteString("status", result.Status);
        WriteNullable(json, "reason", result.Reason);
        WriteNullable(json, "kernel", result.Kernel);
        WriteNullable(json, "kernelSha256", result.KernelSha256);
        if (result.BuildSeconds is { } seconds)
        {
            json.WriteNumber("buildSeconds", seconds);
        }
        else
        {
            json.WriteNull("buildSeconds");
        }

        json.WriteString("builder", result.Builder);
        if (result.Image is { } image)
        {
            json.WriteStartObject("image");
            json.WriteString("format", image.Format);
            json.WriteBoolean("bootable", image.Bootable);
            WriteNullable(json, "problem", image.Problem);
            json.WriteEndObject();
        }

        if (result.Cache is { } cache)
        {
            json.WriteStartObject("cache");
            json.WriteNumber("hits", cache.Hits);
            json.WriteNumber("misses", cache.Misses);
            json.WriteNumber("uncacheable", cache.Uncacheable);
            json.WriteStartObject("hitsByTier");
            foreach (var (tier, counters) in cache.Tiers)
            {
                json.WriteNumber(tier, counters.Hits);
            }

            json.WriteEndObject();
            json.WriteEndObject();
        }

        json.WriteStartObject("smoke");
        var smoke = result.Smoke;
        json.WriteString("status", smoke?.Status switch
        {
            SmokeStatus.Passed => "passed",
            SmokeStatus.Unavailable => "unavailable",
            SmokeStatus.Failed => "failed",
            _ => "skipped",
        });
        WriteNullable(json, "runner", smoke?.Runner);
        json.WriteNumber("seconds", Math.Round(smoke?.Elapsed.TotalSeconds ?? 0, 2));
        WriteNullable(json, "reason", smoke is null ? "not run: the build did not produce a bootable kernel" : smoke.Reason);
        json.WriteEndObject();
        json.WriteEndObject();
    }

    private static void WriteNullable(Utf8JsonWriter json, string name, string? value)
    {
        if (value is null)
        {
            json.WriteNull(name);
        }
        else
        {
            json.WriteString(name, value);
        }
    }
}
