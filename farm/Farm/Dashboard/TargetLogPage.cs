using System.Globalization;
using System.Text;
using Farm.Configuration;
using Farm.Core.Builds;
using Farm.Core.Builds.Signals;
using Microsoft.AspNetCore.Http;

namespace Farm.Dashboard;

/// <summary>
/// <c>/builds/{id}/targets/{kernel}</c>: one target's log, ANSI colours rendered here, every line an anchor (<c>#L10-L40</c>
/// marks a range). Only the last <c>Farm__Dashboard__LogTailLines</c> lines are rendered at first, so a 50 MB log costs
/// the browser what a short one does; earlier windows come on request (<c>?from=N</c>). While the target runs, the page
/// follows it through <c>.../events</c> (server-sent events, each line's number its id, so a reconnect resumes from
/// <c>Last-Event-ID</c>); <c>.../log.txt</c> is the whole log as text.
/// </summary>
internal static class TargetLogPage
{
    /// <summary>How long one event stream lasts before the browser reconnects (and resumes): every wait ends.</summary>
    private static readonly TimeSpan StreamLifetime = TimeSpan.FromMinutes(10);

    public static async Task<IResult> GetAsync(string id, string kernel, HttpContext context, IBuildStore store, FarmOptions options)
    {
        var ct = context.RequestAborted;
        if (await FindAsync(store, id, kernel, ct).ConfigureAwait(false) is not { } target)
        {
            return Pages.Error(context, StatusCodes.Status404NotFound, $"build {id} has no target {kernel}");
        }

        var window = options.Dashboard.LogTailLines;
        var count = await store.CountLogAsync(id, target.Name, ct).ConfigureAwait(false);
        var from = Math.Max(0, count - window);
        if (context.Request.Query["from"].ToString() is { Length: > 0 } asked)
        {
            if (!int.TryParse(asked, NumberStyles.None, CultureInfo.InvariantCulture, out var line) || line < 1)
            {
                return Pages.Error(context, StatusCodes.Status400BadRequest, $"from: '{asked}' is not a line number (1 or more)");
            }

            from = Math.Min(line - 1, Math.Max(0, count - 1));
        }

        var lines = await store.ReadLogAsync(id, target.Name, from, window, ct).ConfigureAwait(false);
        var firstError = LogErrors.First(lines);
        var model = new
        {
            build = id,
            kernel = target.Name,
            state = target.State.Name(),
            lines = count,
            from = from + 1,
            firstError = firstError < 0 ? (int?)null : from + firstError + 1,
            text = lines.Select(AnsiHtml.Strip),
        };
        return Pages.Answer(context, model, () => Render(Pages.Context(context, "Builds"), id, target, count, from, window, lines, firstError));
    }

    public static async Task RawAsync(string id, string kernel, HttpContext context, IBuildStore store)
    {
        var ct = context.RequestAborted;
        if (await FindAsync(store, id, kernel, ct).ConfigureAwait(false) is not { } target)
        {
            await Pages.Error(context, StatusCodes.Status404NotFound, $"build {id} has no target {kernel}").ExecuteAsync(context).ConfigureAwait(false);
            return;
        }

        context.Response.ContentType = "text/plain; charset=utf-8";
        context.Response.Headers.ContentDisposition = $"inline; filename=\"{target.Name}.log.txt\"";
        const int Chunk = 20_000;
        for (var from = 0; ; from += Chunk)
        {
            var lines = await store.ReadLogAsync(id, target.Name, from, Chunk, ct).ConfigureAwait(false);
            foreach (var line in lines)
            {
                await context.Response.WriteAsync(line + "\n", ct).ConfigureAwait(false);
            }

            if (lines.Count < Chunk)
            {
                return;
            }
        }
    }

    /// <summary>The live tail: <c>id</c> is the line's number; resumes after <c>Last-Event-ID</c>, or from <c>?from=</c>.</summary>
    public static async Task EventsAsync(string id, string kernel, HttpContext context, IBuildStore store)
    {
        var ct = context.RequestAborted;
        if (await FindAsync(store, id, kernel, ct).ConfigureAwait(false) is not { } target)
        {
            await Pages.Error(context, StatusCodes.Status404NotFound, $"build {id} has no target {kernel}").ExecuteAsync(context).ConfigureAwait(false);
            return;
        }

        var next = 0;
        if (int.TryParse(context.Request.Headers["Last-Event-ID"].ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out var last))
        {
            next = last;
        }
        else if (int.TryParse(context.Request.Query["from"].ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out var from) && from > 0)
        {
            next = from - 1;
        }

        context.Response.ContentType = "text/event-stream";
        context.Response.Headers.CacheControl = "no-cache";
        var until = DateTimeOffset.UtcNow + StreamLifetime;
        // Taken before the first read: a line appended between a read and the wait wakes the wait (NOTIFY on farm serve).
        using var watch = store.Watch(id, BuildChanges.Log | BuildChanges.Targets);
        while (!ct.IsCancellationRequested && DateTimeOffset.UtcNow < until)
        {
            var final = (await store.GetTargetsAsync(id, ct).ConfigureAwait(false)).FirstOrDefault(t => t.Name == target.Name)?.State.IsFinal() ?? true;
            var lines = await store.ReadLogAsync(id, target.Name, next, 1000, ct).ConfigureAwait(false);
            var events = new StringBuilder();
            foreach (var line in lines)
            {
                next++;
                events.Append(CultureInfo.InvariantCulture, $"id: {next}\nevent: line\ndata: {AnsiHtml.Render(line.Replace("\r", string.Empty, StringComparison.Ordinal))}\n\n");
            }

            if (final && lines.Count == 0)
            {
                events.Append("event: end\ndata: \n\n");
            }

            await context.Response.WriteAsync(events.Length > 0 ? events.ToString() : ": waiting\n\n", ct).ConfigureAwait(false);
            await context.Response.Body.FlushAsync(ct).ConfigureAwait(false);
            if (final && lines.Count == 0)
            {
                return;
            }

            if (lines.Count < 1000)
            {
                await watch.WaitAsync(ct).ConfigureAwait(false);
            }
        }
    }

    private static async Task<TargetRecord?> FindAsync(IBuildStore store, string id, string kernel, CancellationToken ct) =>
        (await store.GetTargetsAsync(id, ct).ConfigureAwait(false)).FirstOrDefault(t => t.Name == kernel);

    private static string Render(PageContext page, string id, TargetRecord target, int count, int from, int window, IReadOnlyList<string> lines, int firstError)
    {
        var html = new StringBuilder(lines.Sum(l => l.Length) + 4096);
        var self = $"/builds/{Html.U(id)}/targets/{Html.U(target.Name)}";
        html.Append(CultureInfo.InvariantCulture, $"<p class=\"crumbs\"><a href=\"/builds/{Html.U(id)}\">build {Html.E(id)}</a></p><h1>{Html.E(target.Name)} {Html.State(target.State.Name())}</h1>");
        html.Append(CultureInfo.InvariantCulture, $"<p class=\"toolbar\"><a href=\"{self}/log.txt\">raw log.txt</a> · {count} lines");
        if (firstError >= 0 && from == 0)
        {
            html.Append(CultureInfo.InvariantCulture, $" · <a id=\"first-error\" href=\"#L{from + firstError + 1}\">jump to first error (line {from + firstError + 1})</a>");
        }
        else if (from > 0)
        {
            // Earlier lines are not on the page: the first error shown may not be the log's first. The server searches.
            html.Append(CultureInfo.InvariantCulture, $" · <a id=\"first-error\" href=\"{self}/first-error\">jump to first error</a>");
            if (firstError >= 0)
            {
                html.Append(CultureInfo.InvariantCulture, $" · <a id=\"first-error-shown\" href=\"#L{from + firstError + 1}\">first error shown (line {from + firstError + 1})</a>");
            }
        }

        html.Append("</p>");
        if (from > 0)
        {
            html.Append(CultureInfo.InvariantCulture, $"<p class=\"earlier\">Lines 1–{from} are not shown. <a id=\"earlier\" href=\"{self}?from={Math.Max(1, from - window + 1)}\">Show the {Math.Min(window, from)} lines before</a></p>");
        }

        var atTail = from + lines.Count >= count;
        var live = atTail && !target.State.IsFinal();
        html.Append(CultureInfo.InvariantCulture, $"<pre class=\"log\" id=\"log\"{(live ? $" data-events=\"{self}/events\" data-next=\"{from + lines.Count + 1}\"" : string.Empty)}>");
        for (var i = 0; i < lines.Count; i++)
        {
            var n = from + i + 1;
            html.Append(CultureInfo.InvariantCulture, $"<span class=\"line{(i == firstError ? " error" : string.Empty)}\" id=\"L{n}\"><a class=\"ln\" href=\"#L{n}\">{n}</a>{AnsiHtml.Render(lines[i])}</span>");
        }

        html.Append("</pre>");
        if (!atTail)
        {
            html.Append(CultureInfo.InvariantCulture, $"<p><a href=\"{self}?from={from + lines.Count + 1}\">Show the next lines</a> · <a href=\"{self}\">the end</a></p>");
        }

        if (live)
        {
            html.Append("<p class=\"live\" id=\"live\">following the log live…</p>");
        }

        return Html.Page(page, target.Name, html.ToString());
    }
}
