using System.Globalization;
using System.Text;
using Farm.Core.Builds;

namespace Farm.Dashboard;

/// <summary>
/// A build's timeline as an inline SVG, one row per target: waiting for a worker (queued → started), building, booting,
/// then publishing (the rest until it finished). Build and boot come from the seconds the worker reported; a target
/// still running ends at now. Scales to the page's width (viewBox), so it fits a phone as well as a wide screen.
/// </summary>
internal static class Waterfall
{
    private const double Width = 1000, Label = 230, Row = 22;

    public static string Svg(BuildRecord build, IReadOnlyList<TargetRecord> targets, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(build);
        ArgumentNullException.ThrowIfNull(targets);
        var start = build.Created;
        var end = targets.Select(t => t.Finished ?? (t.State.IsFinal() ? t.Started : now) ?? start).Append(build.Finished ?? now).Max();
        var span = Math.Max(0.001, (end - start).TotalSeconds);
        double X(DateTimeOffset t) => Label + ((t - start).TotalSeconds / span * (Width - Label - 10));
        var svg = new StringBuilder();
        var height = (targets.Count * Row) + 30;
        svg.Append(CultureInfo.InvariantCulture, $"<svg class=\"waterfall\" viewBox=\"0 0 {Width} {height}\" role=\"img\" aria-label=\"timeline\" preserveAspectRatio=\"xMinYMin meet\">");
        for (var i = 0; i < targets.Count; i++)
        {
            var t = targets[i];
            var y = (i * Row) + 4;
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"0\" y=\"{y + 13}\" class=\"wf-label\">{Html.E(t.Name.Length > 32 ? t.Name[..31] + "…" : t.Name)}</text>");
            var queued = t.Queued ?? start;
            var started = t.Started;
            var finished = t.Finished ?? (t.State.IsFinal() ? started ?? queued : now);
            Bar(svg, "waiting", X(queued), X(started ?? finished), y);
            if (started is { } s)
            {
                var built = s.AddSeconds(Math.Min(t.BuildSeconds ?? 0, (finished - s).TotalSeconds));
                var booted = built.AddSeconds(Math.Min(t.BootSeconds ?? 0, (finished - built).TotalSeconds));
                Bar(svg, t.State == TargetState.Running && t.BuildSeconds is null ? "building running" : "building", X(s), X(t.BuildSeconds is null ? finished : built), y);
                if (t.BuildSeconds is not null)
                {
                    Bar(svg, "booting", X(built), X(booted), y);
                    Bar(svg, "publishing", X(booted), X(finished), y);
                }
            }
        }

        var axis = (targets.Count * Row) + 22;
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Label}\" y=\"{axis}\" class=\"wf-axis\">0 s</text><text x=\"{Width - 10}\" y=\"{axis}\" class=\"wf-axis\" text-anchor=\"end\">{span.ToString("0.0", CultureInfo.InvariantCulture)} s</text>");
        svg.Append("</svg><p class=\"legend\"><span class=\"wf-waiting\"></span>waiting for a worker <span class=\"wf-building\"></span>building <span class=\"wf-booting\"></span>booting <span class=\"wf-publishing\"></span>publishing</p>");
        return svg.ToString();
    }

    private static void Bar(StringBuilder svg, string kind, double from, double to, double y)
    {
        if (to - from < 0.5)
        {
            return;
        }

        svg.Append(CultureInfo.InvariantCulture, $"<rect class=\"wf-{kind.Split(' ')[0]}{(kind.Contains(' ', StringComparison.Ordinal) ? " wf-running" : string.Empty)}\" x=\"{from:0.0}\" y=\"{y}\" width=\"{to - from:0.0}\" height=\"16\" rx=\"2\"><title>{kind.Split(' ')[0]}</title></rect>");
    }
}
