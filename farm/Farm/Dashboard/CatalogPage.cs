using System.Globalization;
using System.Text;
using Farm.Configuration;
using Farm.Core.Builds;
using Microsoft.AspNetCore.Http;

namespace Farm.Dashboard;

/// <summary>
/// <c>/catalog</c>: apps × platforms of the nightly rebuilds, each cell its last result, a strip of its last 20 runs,
/// kernel size and boot time with sparklines, and a regression flag; <c>/badges/{app}.svg</c> and
/// <c>/badges/{app}/{plat}-{arch}.svg</c> for READMEs.
/// </summary>
internal static class CatalogPage
{
    public static async Task<IReadOnlyList<CatalogApp>> LoadAsync(IBuildStore store, FarmOptions options, CancellationToken ct, string? app = null)
    {
        // Each app's last runs, ranked by the store: an app built rarely keeps its 20 runs however many others ran since.
        var builds = await store.ListLatestPerAppAsync(BuildTriggers.Nightly, CatalogHistory.Runs, app, ct).ConfigureAwait(false);
        return CatalogHistory.From(builds, options.Dashboard.RegressionPercent);
    }

    public static async Task<IResult> GetAsync(HttpContext context, IBuildStore store, FarmOptions options)
    {
        var apps = await LoadAsync(store, options, context.RequestAborted).ConfigureAwait(false);
        var columns = apps.SelectMany(a => a.Cells.Keys).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        var model = new
        {
            regressionPercent = options.Dashboard.RegressionPercent,
            platforms = columns,
            apps = apps.Select(a => new
            {
                app = a.App,
                latestBuild = a.Latest.Id,
                cells = a.Cells.ToDictionary(c => c.Key, c => new
                {
                    state = c.Value.Latest.Target.State.Name(),
                    build = c.Value.Latest.BuildId,
                    bootSeconds = c.Value.Latest.Target.BootSeconds,
                    kernelBytes = c.Value.Latest.Target.KernelBytes,
                    runs = c.Value.Runs.Select(r => new { build = r.BuildId, state = r.Target.State.Name(), bootSeconds = r.Target.BootSeconds, kernelBytes = r.Target.KernelBytes }),
                    regressions = new[] { c.Value.Boot, c.Value.Size }.Where(r => r is not null).Select(r => new { what = r!.What, median = r.Median, now = r.Now, firstBuild = r.FirstBuild }),
                }),
            }),
        };
        return Pages.Answer(context, model, () => Render(Pages.Context(context, "Catalog"), apps, columns, options.Dashboard.RegressionPercent));
    }

    public static async Task<IResult> BadgeAsync(string app, string? cell, HttpContext context, IBuildStore store, FarmOptions options)
    {
        app = app.EndsWith(".svg", StringComparison.Ordinal) ? app[..^4] : app;
        cell = cell?.EndsWith(".svg", StringComparison.Ordinal) == true ? cell[..^4] : cell;
        var loaded = await LoadAsync(store, options, context.RequestAborted, app).ConfigureAwait(false);
        var found = loaded.Count > 0 ? loaded[0] : null;
        string status;
        if (cell is null)
        {
            status = found is null ? "unknown" : found.Latest.State switch
            {
                BuildState.Succeeded => "passing",
                BuildState.Failed => "failing",
                BuildState.Cancelled => "cancelled",
                _ => "running",
            };
        }
        else
        {
            status = Badge.Status(found?.Cells.GetValueOrDefault(cell)?.Latest.Target.State);
        }

        context.Response.Headers.CacheControl = "max-age=60";
        return Results.Content(Badge.Svg(cell is null ? app : $"{app} {cell}", status), "image/svg+xml; charset=utf-8");
    }

    private static string Render(PageContext page, IReadOnlyList<CatalogApp> apps, IReadOnlyList<string> columns, double share)
    {
        var html = new StringBuilder();
        html.Append(CultureInfo.InvariantCulture, $"<h1>Catalog</h1><p class=\"meta\">Nightly rebuilds. A cell is flagged when its boot time or kernel size rises more than {share.ToString("0.#", CultureInfo.InvariantCulture)} % above the median of its last 10 passing runs.</p>");
        if (apps.Count == 0)
        {
            return Html.Page(page, "Catalog", html.Append("<p class=\"empty\">No nightly rebuild has run yet.</p>").ToString());
        }

        html.Append("<div class=\"scroll\"><table class=\"catalog\"><thead><tr><th>app</th>");
        foreach (var column in columns)
        {
            html.Append(CultureInfo.InvariantCulture, $"<th>{Html.E(column)}</th>");
        }

        html.Append("</tr></thead><tbody>");
        foreach (var app in apps)
        {
            html.Append(CultureInfo.InvariantCulture, $"<tr data-app=\"{Html.E(app.App)}\"><th><a href=\"/?app={Html.U(app.App)}&amp;trigger=nightly\">{Html.E(app.App)}</a><br><img src=\"/badges/{Html.U(app.App)}.svg\" alt=\"{Html.E(app.App)} badge\" height=\"20\"></th>");
            foreach (var column in columns)
            {
                if (!app.Cells.TryGetValue(column, out var cell))
                {
                    html.Append("<td class=\"none\">–</td>");
                    continue;
                }

                var latest = cell.Latest.Target;
                var flagged = cell.Boot is not null || cell.Size is not null;
                html.Append(CultureInfo.InvariantCulture, $"<td class=\"cell{(flagged ? " regressed" : string.Empty)}\" data-cell=\"{Html.E(column)}\"><a href=\"/builds/{Html.U(cell.Latest.BuildId)}\">{Html.State(latest.State.Name())}</a>");
                html.Append("<div class=\"strip\">");
                foreach (var run in cell.Runs.Reverse())
                {
                    html.Append(CultureInfo.InvariantCulture, $"<a class=\"dot s-{run.Target.State.Name()}\" href=\"/builds/{Html.U(run.BuildId)}\" title=\"{run.Created.UtcDateTime:yyyy-MM-dd}: {run.Target.State.Name()}\"></a>");
                }

                var oldestFirst = cell.Runs.Reverse().ToList();
                html.Append(CultureInfo.InvariantCulture, $"</div><div class=\"measure\">boot {Html.N(latest.BootSeconds, "0.00")} s {Sparkline.Svg(oldestFirst.Select(r => r.Target.BootSeconds).ToList(), "boot time")}</div>");
                html.Append(CultureInfo.InvariantCulture, $"<div class=\"measure\">size {Html.Bytes(latest.KernelBytes)} {Sparkline.Svg(oldestFirst.Select(r => (double?)r.Target.KernelBytes).ToList(), "kernel size")}</div>");
                foreach (var regression in new[] { cell.Boot, cell.Size }.Where(r => r is not null))
                {
                    var (median, now) = regression!.What == "boot time"
                        ? ($"{regression.Median.ToString("0.00", CultureInfo.InvariantCulture)} s", $"{regression.Now.ToString("0.00", CultureInfo.InvariantCulture)} s")
                        : (Html.Bytes((long)regression.Median), Html.Bytes((long)regression.Now));
                    html.Append(CultureInfo.InvariantCulture, $"<div class=\"flag\">⚠ {regression.What} {now} vs median {median}, since <a href=\"/builds/{Html.U(regression.FirstBuild)}\">{Html.E(regression.FirstBuild)}</a></div>");
                }

                html.Append("</td>");
            }

            html.Append("</tr>");
        }

        html.Append("</tbody></table></div><h2>Badges</h2><p>Per app <code>/badges/APP.svg</code>, per cell <code>/badges/APP/PLAT-ARCH.svg</code>, e.g. <code>![](https://FARM/badges/helloworld.svg)</code>.</p>");
        return Html.Page(page, "Catalog", html.ToString());
    }
}
