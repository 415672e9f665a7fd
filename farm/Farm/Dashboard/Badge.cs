using System.Globalization;

namespace Farm.Dashboard;

/// <summary>A shields-style SVG badge: label on grey, status on its colour. Text widths are estimated (monospace-ish).</summary>
internal static class Badge
{
    public static string Svg(string label, string status)
    {
        var colour = status switch
        {
            "passing" => "#2da44e",
            "failing" => "#cf222e",
            "running" => "#bf8700",
            _ => "#8c959f",
        };
        int left = (label.Length * 7) + 12, right = (status.Length * 7) + 12, width = left + right;
        string l = Html.E(label), s = Html.E(status);
        return string.Create(CultureInfo.InvariantCulture, $"""
            <svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="20" role="img" aria-label="{l}: {s}"><title>{l}: {s}</title><rect width="{left}" height="20" fill="#555"/><rect x="{left}" width="{right}" height="20" fill="{colour}"/><g fill="#fff" font-family="Verdana,DejaVu Sans,sans-serif" font-size="11" text-anchor="middle"><text x="{left / 2.0}" y="14">{l}</text><text x="{left + (right / 2.0)}" y="14">{s}</text></g></svg>
            """);
    }

    public static string Status(Core.Builds.TargetState? state) => state switch
    {
        Core.Builds.TargetState.Succeeded => "passing",
        Core.Builds.TargetState.Failed => "failing",
        Core.Builds.TargetState.Running or Core.Builds.TargetState.Queued => "running",
        null => "unknown",
        var other => other.Value.ToString().ToLowerInvariant(),
    };
}
