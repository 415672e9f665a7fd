using System.Globalization;
using System.Text;
using Farm.Configuration;
using Farm.Core.Builds;
using Farm.State.Postgres;
using Microsoft.AspNetCore.Http;

namespace Farm.Dashboard;

/// <summary>
/// <c>/builds/{id}</c>: the failure first (the first failed target, its reason, the log lines around its first error),
/// why queued targets wait, the target matrix, the timeline, the signed index with the command that verifies it, and
/// Cancel and Rebuild for operators.
/// </summary>
internal static class BuildPage
{
    private const int Around = 6;

    public static async Task<IResult> GetAsync(string id, HttpContext context, IBuildStore store, WorkerRegistry workers, FarmOptions options)
    {
        var ct = context.RequestAborted;
        if (await store.GetAsync(id, ct).ConfigureAwait(false) is not { } build)
        {
            return Pages.Error(context, StatusCodes.Status404NotFound, $"no build {id}");
        }

        var targets = await store.GetTargetsAsync(id, ct).ConfigureAwait(false);
        var known = targets.Any(t => t.State == TargetState.Queued) ? await workers.ListAsync(ct).ConfigureAwait(false) : [];
        var failed = targets.FirstOrDefault(t => t.State == TargetState.Failed);
        Excerpt? excerpt = null;
        if (failed is not null)
        {
            var log = await store.ReadLogAsync(id, failed.Name, 0, ct).ConfigureAwait(false);
            var first = LogErrors.First(log);
            var from = Math.Max(0, (first < 0 ? log.Count - 1 : first) - Around);
            excerpt = new Excerpt(failed, first < 0 ? null : first + 1, from + 1, log.Skip(from).Take((Around * 2) + 1).ToList());
        }

        var now = DateTimeOffset.UtcNow;
        var verify = build.IndexDigest is { } digest ? VerifyCommand(build, digest, options) : null;
        var model = new
        {
            id = build.Id,
            app = build.App,
            state = build.State.Name(),
            reason = build.Reason,
            source = BuildsPage.Source(build),
            repository = build.GitUrl,
            commit = build.GitCommit,
            branch = build.Branch,
            trigger = build.Trigger,
            scope = build.Scope,
            image = build.Output,
            indexDigest = build.IndexDigest,
            verify,
            created = build.Created,
            finished = build.Finished,
            failure = excerpt is null ? null : new { kernel = excerpt.Target.Name, reason = excerpt.Target.Reason, firstErrorLine = excerpt.ErrorLine, fromLine = excerpt.FromLine, lines = excerpt.Lines.Select(AnsiHtml.Strip) },
            targets = targets.Select(t => new
            {
                kernel = t.Name,
                target = t.Target,
                platform = t.PlatformName,
                state = t.State.Name(),
                phase = t.Phase,
                worker = t.Worker,
                buildSeconds = t.BuildSeconds,
                bootSeconds = t.BootSeconds,
                cache = new { hits = t.CacheHits, misses = t.CacheMisses, errors = t.CacheErrors },
                cached = t.Cached,
                kernelBytes = t.KernelBytes,
                manifestDigest = t.ManifestDigest,
                reason = Reason(t, known),
                queued = t.Queued,
                started = t.Started,
                finished = t.Finished,
            }),
        };
        return Pages.Answer(context, model, () => Render(Pages.Context(context, "Builds"), build, targets, known, excerpt, verify, now));
    }

    /// <summary>The target's reason, with why it still waits when no live worker serves its queue.</summary>
    public static string? Reason(TargetRecord target, IReadOnlyList<WorkerInfo> workers)
    {
        ArgumentNullException.ThrowIfNull(target);
        return target.State == TargetState.Queued && QueueWaiting.Reason(target.Queue, workers) is { } waiting
            ? (target.Reason is null ? waiting : $"{target.Reason}; {waiting}")
            : target.Reason;
    }

    public static string VerifyCommand(BuildRecord build, string digest, FarmOptions options)
    {
        ArgumentNullException.ThrowIfNull(build);
        ArgumentNullException.ThrowIfNull(options);
        var key = build.SigningKeyFile is { } file ? Path.ChangeExtension(Path.GetFileName(file), ".pub") : "cosign.pub";
        var repository = build.Output.Contains('@', StringComparison.Ordinal) ? build.Output[..build.Output.IndexOf('@', StringComparison.Ordinal)] : build.Output;
        return $"farm verify --key {key}{(options.Registry.Insecure ? " --insecure" : string.Empty)} {repository}@{digest}";
    }

    private static string Render(PageContext page, BuildRecord build, IReadOnlyList<TargetRecord> targets, IReadOnlyList<WorkerInfo> workers, Excerpt? excerpt, string? verify, DateTimeOffset now)
    {
        var html = new StringBuilder();
        var link = $"/builds/{Html.U(build.Id)}";
        html.Append(CultureInfo.InvariantCulture, $"<h1>{Html.E(build.App)} {Html.State(build.State.Name())}</h1>");
        html.Append(CultureInfo.InvariantCulture, $"<p class=\"meta\"><span class=\"mono\">{Html.E(BuildsPage.Source(build))}</span>{(build.Branch is { } branch ? $" · branch {Html.E(branch)}" : string.Empty)} · {Html.E(build.Trigger)} · {Html.E(build.Scope)} · created {Html.Time(build.Created)} · {Html.Duration((build.Finished ?? now) - build.Created)}</p>");
        if (page.Caller?.May(FarmRole.Operator) == true)
        {
            html.Append("<div class=\"actions\">");
            if (!build.State.IsFinal())
            {
                html.Append(CultureInfo.InvariantCulture, $"<form method=\"post\" action=\"{link}/cancel\" class=\"inline\">{Html.CsrfField(page.Csrf)}<button class=\"danger\" id=\"cancel\">Cancel</button></form>");
            }

            html.Append(CultureInfo.InvariantCulture, $"<form method=\"post\" action=\"{link}/rebuild\" class=\"inline\">{Html.CsrfField(page.Csrf)}<button id=\"rebuild\">Rebuild</button></form></div>");
        }

        if (build.Reason is { } reason)
        {
            html.Append(CultureInfo.InvariantCulture, $"<p class=\"reason\">{Html.E(reason)}</p>");
        }

        if (excerpt is not null)
        {
            var logLink = $"{link}/targets/{Html.U(excerpt.Target.Name)}";
            html.Append(CultureInfo.InvariantCulture, $"<section class=\"failure\" id=\"failure\"><h2>Failed: <a href=\"{logLink}\">{Html.E(excerpt.Target.Name)}</a></h2><p>{Html.E(excerpt.Target.Reason)}</p>");
            if (excerpt.Lines.Count > 0)
            {
                html.Append("<pre class=\"log excerpt\">");
                for (var i = 0; i < excerpt.Lines.Count; i++)
                {
                    var n = excerpt.FromLine + i;
                    html.Append(CultureInfo.InvariantCulture, $"<span class=\"line{(n == excerpt.ErrorLine ? " error" : string.Empty)}\"><a class=\"ln\" href=\"{logLink}#L{n}\">{n}</a>{AnsiHtml.Render(excerpt.Lines[i])}</span>");
                }

                html.Append("</pre>");
            }

            html.Append("</section>");
        }

        html.Append("<h2>Targets</h2><div class=\"scroll\"><table class=\"matrix\"><thead><tr><th>kernel</th><th>plat/arch</th><th>state</th><th>worker</th><th>build s</th><th>boot s</th><th>objects hit/miss/err</th><th>target cache</th><th>size</th><th>manifest</th></tr></thead><tbody>");
        foreach (var t in targets)
        {
            var why = Reason(t, workers);
            html.Append(CultureInfo.InvariantCulture, $"<tr data-kernel=\"{Html.E(t.Name)}\"><td><a href=\"{link}/targets/{Html.U(t.Name)}\">{Html.E(t.Name)}</a>{(why is null ? string.Empty : $"<div class=\"why\">{Html.E(why)}</div>")}</td><td>{Html.E(t.PlatformName)}</td>");
            html.Append(CultureInfo.InvariantCulture, $"<td>{Html.State(t.State.Name())}{(t.Phase is { } phase ? $" <span class=\"phase\">{Html.E(phase)}</span>" : string.Empty)}</td><td>{Html.E(t.Worker ?? "–")}</td><td>{Html.N(t.BuildSeconds, "0.00")}</td><td>{Html.N(t.BootSeconds, "0.00")}</td>");
            html.Append(CultureInfo.InvariantCulture, $"<td>{t.CacheHits}/{t.CacheMisses}/{t.CacheErrors}</td><td>{(t.Cached ? "hit" : "–")}</td><td>{Html.Bytes(t.KernelBytes)}</td><td class=\"mono\" title=\"{Html.E(t.ManifestDigest)}\">{Html.E(t.ManifestDigest is { Length: > 19 } m ? m[..19] + "…" : t.ManifestDigest ?? "–")}</td></tr>");
        }

        html.Append("</tbody></table></div><h2>Timeline</h2>").Append(Waterfall.Svg(build, targets, now));
        html.Append(CultureInfo.InvariantCulture, $"<h2>Image</h2><p class=\"mono\">{Html.E(build.Output)}</p>");
        if (build.IndexDigest is { } digest)
        {
            html.Append(build.SigningKeyFile is null
                ? $"<p>Index <code id=\"index-digest\">{Html.E(digest)}</code> (unsigned: the farm has no Farm__Signing__KeyFile)</p>"
                : $"<p>Signed index <code id=\"index-digest\">{Html.E(digest)}</code></p><pre class=\"command\"><code>{Html.E(verify)}</code></pre>");
        }

        return Html.Page(page, $"{build.App} {build.Id}", html.ToString());
    }

    private sealed record Excerpt(TargetRecord Target, int? ErrorLine, int FromLine, IReadOnlyList<string> Lines);
}
