using System.Globalization;
using System.Text;

namespace Farm.Action;

/// <summary>The step summary: the build's result, then one table row per target (result, build time, boot time, cache hits).</summary>
internal static class StepSummary
{
    public static string Render(BuildReport build, string mode)
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"### Unikernel build: {Cell(build.App)} — {(build.Succeeded ? "✅ succeeded" : "❌ " + Cell(build.State))} ({mode})\n\n");
        if (build.IndexDigest is { } digest)
        {
            text.Append(CultureInfo.InvariantCulture, $"Image `{build.Image}@{digest}`\n\n");
        }
        else if (build.Reason is { } reason)
        {
            text.Append(CultureInfo.InvariantCulture, $"{Cell(reason)}\n\n");
        }

        text.Append("| target | result | build time | boot time | cache hits |\n| --- | --- | --- | --- | --- |\n");
        foreach (var t in build.Targets)
        {
            var result = t.State switch
            {
                "succeeded" => "✅ passed",
                "skipped" => $"⏭️ skipped: {t.Reason}",
                _ => $"❌ {t.State}{(t.Reason is { } r ? ": " + r : string.Empty)}",
            };
            var buildTime = t.Cached ? "cached" : Seconds(t.BuildSeconds);
            var hits = t.CacheHits + t.CacheMisses > 0 ? $"{t.CacheHits}/{t.CacheHits + t.CacheMisses}" : t.Cached ? "target" : "–";
            text.Append(CultureInfo.InvariantCulture, $"| {Cell(t.Name)} ({t.Platform}) | {Cell(result)} | {buildTime} | {Seconds(t.BootSeconds)} | {hits} |\n");
        }

        return text.Append('\n').ToString();
    }

    private static string Seconds(double? seconds) => seconds is { } s ? string.Create(CultureInfo.InvariantCulture, $"{s:0.00} s") : "–";

    // A table cell: one line, and a pipe would end the cell.
    private static string Cell(string text) => text.Replace("\r", string.Empty, StringComparison.Ordinal).Replace("\n", " ", StringComparison.Ordinal).Replace("|", "\\|", StringComparison.Ordinal);
}
