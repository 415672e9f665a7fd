using System.Globalization;
using System.Text;
using System.Text.Json;
using Farm.Configuration;
using Farm.Core.Builds;
using Farm.State.Postgres;
using Microsoft.AspNetCore.Http;

namespace Farm.Dashboard;

/// <summary>
/// <c>/workers</c>: every registered worker with its host, version and capabilities (what it reported at start), its
/// queues, its heartbeat's age judged against <c>Farm__Workers__DeadAfterSeconds</c> (online; stale after two missed
/// heartbeats; lost past the limit, when the farm requeues its targets), the target it runs now, and its last 20 jobs
/// with their failure rate. Drain and Resume (operators) post to <c>/api/workers/{name}/drain|resume</c>.
/// </summary>
internal static class WorkersPage
{
    public static string Health(TimeSpan age, TimeSpan deadAfter) =>
        age >= deadAfter ? "lost" : age > WorkerRegistry.HeartbeatInterval * 2.5 ? "stale" : "online";

    public static async Task<IResult> GetAsync(HttpContext context, IBuildStore store, WorkerRegistry registry)
    {
        var ct = context.RequestAborted;
        var workers = await registry.ListAsync(ct).ConfigureAwait(false);
        var now = DateTime.UtcNow;
        // Two statements for the whole fleet: each worker's last jobs, and what runs now.
        var recent = (await store.ListRecentTargetsByWorkerAsync(workers.Select(w => w.Name).ToList(), 20, ct).ConfigureAwait(false))
            .ToLookup(e => e.Target.Worker, StringComparer.Ordinal);
        var running = (await store.ListRunningTargetsAsync(ct).ConfigureAwait(false)).ToLookup(e => e.Target.Worker, StringComparer.Ordinal);
        var rows = workers.Select(worker =>
        {
            var age = now - DateTime.SpecifyKind(worker.Heartbeat, DateTimeKind.Utc);
            return new WorkerRow(worker, Describe(worker.Capabilities), Health(age, registry.DeadAfter), age,
                running[worker.Name].Select(e => e.Target).ToList(), recent[worker.Name].ToList());
        }).ToList();

        var model = rows.Select(r => new
        {
            name = r.Worker.Name,
            host = r.Capabilities.Host,
            version = r.Capabilities.Version,
            capabilities = r.Capabilities.Summary,
            queues = r.Worker.Queues,
            heartbeatSeconds = Math.Round(r.Age.TotalSeconds, 1),
            state = r.Health,
            drain = r.Worker.Drain.Name(),
            running = r.Running.Select(t => new { build = t.BuildId, kernel = t.Name, phase = t.Phase }),
            recent = r.Recent.Select(e => new { build = e.Target.BuildId, kernel = e.Target.Name, app = e.App, state = e.Target.State.Name(), finished = e.Target.Finished }),
            failureRate = r.FailureRate,
        });
        return Pages.Answer(context, model, () => Render(Pages.Context(context, "Workers"), rows, registry.DeadAfter));
    }

    /// <summary>What a worker registered: JSON from this version of the worker, a plain list of queues from older ones.</summary>
    public static WorkerCapabilities Describe(string registered)
    {
        if (registered.TrimStart().StartsWith('{'))
        {
            try
            {
                var json = JsonDocument.Parse(registered).RootElement;
                string? Text(string name) => json.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
                return new WorkerCapabilities(Text("host"), Text("version"), Text("summary") ?? string.Empty);
            }
            catch (JsonException)
            {
            }
        }

        return new WorkerCapabilities(null, null, registered);
    }

    private static string Render(PageContext page, IReadOnlyList<WorkerRow> rows, TimeSpan deadAfter)
    {
        var html = new StringBuilder();
        var operatorMay = page.Caller?.May(FarmRole.Operator) == true;
        html.Append(CultureInfo.InvariantCulture, $"<h1>Workers</h1><p class=\"meta\">{rows.Count} registered · lost after {deadAfter.TotalSeconds:0} s without a heartbeat (Farm__Workers__DeadAfterSeconds)</p>");
        if (rows.Count == 0)
        {
            return Html.Page(page, "Workers", html.Append("<p class=\"empty\">No worker has registered.</p>").ToString());
        }

        html.Append("<div class=\"workers\">");
        foreach (var r in rows)
        {
            var name = Html.E(r.Worker.Name);
            var drain = r.Worker.Drain.Name();
            var drainBadge = r.Worker.Drain == WorkerDrain.Serving ? string.Empty : $" <span class=\"drain d-{drain}\" title=\"{(r.Worker.Drain == WorkerDrain.Drained ? "takes no target and runs none: safe to stop" : "takes no new target, finishing what it runs")}\">{drain}</span>";
            html.Append(CultureInfo.InvariantCulture, $"<section class=\"worker h-{r.Health}\" data-worker=\"{name}\" data-drain=\"{drain}\"><h2>{name} <span class=\"state s-{r.Health}\">{r.Health}</span>{drainBadge}</h2>");
            html.Append(CultureInfo.InvariantCulture, $"<p class=\"meta\">{Html.E(r.Capabilities.Host ?? "host unknown")} · {Html.E(r.Capabilities.Version ?? "version unknown")} · heartbeat {r.Age.TotalSeconds:0.0} s ago</p>");
            html.Append(CultureInfo.InvariantCulture, $"<p>{Html.E(r.Capabilities.Summary)}</p><p>queues: {string.Join(' ', r.Worker.Queues.Select(q => $"<code>{Html.E(q)}</code>"))}</p>");
            html.Append("<p>now: ").Append(r.Running.Count == 0 ? "idle" : string.Join(", ", r.Running.Select(t => $"<a href=\"/builds/{Html.U(t.BuildId)}/targets/{Html.U(t.Name)}\">{Html.E(t.Name)}</a> ({Html.E(t.Phase)})"))).Append("</p>");
            html.Append(CultureInfo.InvariantCulture, $"<p>last {r.Recent.Count} jobs{(r.FailureRate is { } rate ? $", {rate.ToString("0%", CultureInfo.InvariantCulture)} failed" : string.Empty)}: <span class=\"strip\">");
            foreach (var e in r.Recent.Reverse())
            {
                html.Append(CultureInfo.InvariantCulture, $"<a class=\"dot s-{e.Target.State.Name()}\" href=\"/builds/{Html.U(e.Target.BuildId)}\" title=\"{Html.E(e.App)} {Html.E(e.Target.Name)}: {e.Target.State.Name()}\"></a>");
            }

            html.Append("</span></p>");
            if (operatorMay)
            {
                // The one action that changes something: Drain for a serving worker, Resume for one draining or drained.
                var action = r.Worker.Drain == WorkerDrain.Serving ? "drain" : "resume";
                html.Append(CultureInfo.InvariantCulture, $"<form method=\"post\" action=\"/api/workers/{Html.U(r.Worker.Name)}/{action}\" class=\"inline\" data-reload>{Html.CsrfField(page.Csrf)}<button class=\"{action}\">{(action == "drain" ? "Drain" : "Resume")}</button></form> ");
            }

            html.Append("</section>");
        }

        return Html.Page(page, "Workers", html.Append("</div>").ToString());
    }

    private sealed record WorkerRow(WorkerInfo Worker, WorkerCapabilities Capabilities, string Health, TimeSpan Age, IReadOnlyList<TargetRecord> Running, IReadOnlyList<TargetEntry> Recent)
    {
        public double? FailureRate => Recent.Count == 0 ? null : (double)Recent.Count(e => e.Target.State == TargetState.Failed) / Recent.Count;
    }
}

/// <summary>A worker's self-description: host, version and a one-line summary of what it can build and boot.</summary>
internal sealed record WorkerCapabilities(string? Host, string? Version, string Summary);
