using System.Globalization;
using System.Text;
using Farm.Core.Builds;
using Microsoft.AspNetCore.Http;

namespace Farm.Dashboard;

/// <summary>
/// <c>/cache</c>: what the caches saved, from what each target recorded: the object cache's hits and misses, and per tier
/// (local disk, Redis, registry) the share of compiles it served, its errors and the bytes it read; the target cache's
/// hits (a target neither built nor booted again) and the rootfs layer cache's (a Dockerfile not built again); per day
/// over two weeks and per recent build, summed by the store; and the slowest misses.
/// </summary>
internal static class CachePage
{
    private const int Days = 14;

    public static async Task<IResult> GetAsync(HttpContext context, IBuildStore store)
    {
        var ct = context.RequestAborted;
        var since = DateTimeOffset.UtcNow.Date.AddDays(-(Days - 1));
        var summary = await store.SummarizeCacheAsync(Days, 20, ct).ConfigureAwait(false);
        var days = summary.Days;
        var builds = summary.Builds;
        var slowest = await store.ListTargetsAsync(new TargetQuery { BuiltOnly = true, SlowestFirst = true, Since = new DateTimeOffset(since, TimeSpan.Zero), Limit = 10 }, ct).ConfigureAwait(false);
        var model = new
        {
            days = days.Select(Json),
            builds = builds.Select(Json),
            slowestMisses = slowest.Select(e => new { build = e.Target.BuildId, kernel = e.Target.Name, app = e.App, buildSeconds = e.Target.BuildSeconds, objectMisses = e.Target.CacheMisses, worker = e.Target.Worker }),
        };
        return Pages.Answer(context, model, () => Render(Pages.Context(context, "Cache"), days, builds, slowest));
    }

    private static object Json(CacheUsage r) => new
    {
        key = r.Key,
        app = r.App,
        hits = r.Hits,
        misses = r.Misses,
        errors = r.Errors,
        objectHitRate = r.ObjectHitRate,
        tiers = TierUse.Names.ToDictionary(n => n, n => new
        {
            hits = r.Tiers.GetValueOrDefault(n)?.Hits ?? 0,
            errors = r.Tiers.GetValueOrDefault(n)?.Errors ?? 0,
            bytesRead = r.Tiers.GetValueOrDefault(n)?.BytesRead ?? 0,
            hitRate = r.TierHitRate(n),
        }),
        targets = r.Targets,
        targetHits = r.TargetHits,
        targetHitRate = r.TargetHitRate,
        rootfsTargets = r.RootfsTargets,
        rootfsHits = r.RootfsHits,
        rootfsHitRate = r.RootfsHitRate,
    };

    private static string Render(PageContext page, IReadOnlyList<CacheUsage> days, IReadOnlyList<CacheUsage> builds, IReadOnlyList<TargetEntry> slowest)
    {
        var html = new StringBuilder("<h1>Cache</h1><p class=\"meta\">Object cache: every compile's hits and misses, and the share each tier served (local disk, Redis, registry) with the bytes it read; errors are tier failures served as misses. Target cache: targets served whole, neither built nor booted. Rootfs cache: Dockerfile rootfs layers not built again.</p>");
        void Table(string title, IReadOnlyList<CacheUsage> rows)
        {
            html.Append(CultureInfo.InvariantCulture, $"<h2>{title}</h2>");
            if (rows.Count == 0)
            {
                html.Append("<p class=\"empty\">Nothing recorded yet.</p>");
                return;
            }

            html.Append("<div class=\"scroll\"><table><thead><tr><th></th><th>object hit rate</th>");
            foreach (var tier in TierUse.Names)
            {
                html.Append(CultureInfo.InvariantCulture, $"<th>{tier}</th>");
            }

            html.Append("<th>misses</th><th>errors</th><th>target cache</th><th>rootfs cache</th><th>targets</th></tr></thead><tbody>");
            foreach (var r in rows)
            {
                var label = r.App is { } app ? $"<a href=\"/builds/{Html.U(r.Key)}\">{Html.E(app)} {Html.E(r.Key)}</a>" : Html.E(r.Key);
                html.Append(CultureInfo.InvariantCulture, $"<tr><th>{label}</th><td>{Rate(r.ObjectHitRate)} <span class=\"meta\">{r.Hits} hits</span></td>");
                foreach (var tier in TierUse.Names)
                {
                    var use = r.Tiers.GetValueOrDefault(tier) ?? new TierUse(0, 0, 0);
                    var errors = use.Errors > 0 ? $" <span class=\"s-failed\">{use.Errors} errors</span>" : string.Empty;
                    html.Append(CultureInfo.InvariantCulture, $"<td data-tier=\"{tier}\">{Rate(r.TierHitRate(tier))} <span class=\"meta\">{use.Hits} · {Html.Bytes(use.BytesRead)}</span>{errors}</td>");
                }

                html.Append(CultureInfo.InvariantCulture, $"<td>{r.Misses}</td><td>{r.Errors}</td><td>{Rate(r.TargetHitRate)} <span class=\"meta\">{r.TargetHits}/{r.Targets}</span></td><td>{Rate(r.RootfsHitRate)} <span class=\"meta\">{r.RootfsHits}/{r.RootfsTargets}</span></td><td>{r.Targets}</td></tr>");
            }

            html.Append("</tbody></table></div>");
        }

        Table("Per day", days);
        Table("Per build", builds);
        html.Append("<h2>Slowest misses</h2>");
        if (slowest.Count == 0)
        {
            html.Append("<p class=\"empty\">No target was built in this period.</p>");
        }
        else
        {
            html.Append("<div class=\"scroll\"><table><thead><tr><th>target</th><th>app</th><th>build s</th><th>object misses</th><th>worker</th></tr></thead><tbody>");
            foreach (var e in slowest)
            {
                html.Append(CultureInfo.InvariantCulture, $"<tr><td><a href=\"/builds/{Html.U(e.Target.BuildId)}/targets/{Html.U(e.Target.Name)}\">{Html.E(e.Target.Name)}</a></td><td>{Html.E(e.App)}</td><td>{Html.N(e.Target.BuildSeconds, "0.00")}</td><td>{e.Target.CacheMisses}</td><td>{Html.E(e.Target.Worker)}</td></tr>");
            }

            html.Append("</tbody></table></div>");
        }

        return Html.Page(page, "Cache", html.ToString());
    }

    private static string Rate(double? rate) =>
        rate is { } r ? $"<meter min=\"0\" max=\"1\" value=\"{r.ToString("0.###", CultureInfo.InvariantCulture)}\"></meter> {r.ToString("0%", CultureInfo.InvariantCulture)}" : "–";
}
